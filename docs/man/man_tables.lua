-- pandoc filter for the man pages: a table becomes a definition list (the
-- first column is the term, the others its description), because tbl cannot
-- fit the config reference's wide tables into 80 columns without warnings,
-- and a list of keys is how man pages describe them anyway. Horizontal rules
-- (section separators in markdown) are dropped.

local function cell_blocks(cell)
  return cell.contents
end

local function plain_text(blocks)
  return pandoc.utils.stringify(blocks)
end

function Table(tbl)
  local headers = {}
  for _, row in ipairs(tbl.head.rows) do
    for i, cell in ipairs(row.cells) do
      headers[i] = plain_text(cell_blocks(cell))
    end
  end
  local items = {}
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      local cells = row.cells
      local term = pandoc.utils.blocks_to_inlines(cell_blocks(cells[1]))
      local desc = {}
      -- Middle columns (type, default, ...) as "header: value" on one line.
      local facts = {}
      for i = 2, #cells - 1 do
        local value = pandoc.utils.blocks_to_inlines(cell_blocks(cells[i]))
        if #value > 0 and plain_text(value) ~= "—" then
          if #facts > 0 then table.insert(facts, pandoc.Str(";")) table.insert(facts, pandoc.Space()) end
          if headers[i] and headers[i] ~= "" then
            table.insert(facts, pandoc.Emph({pandoc.Str(headers[i] .. ":")}))
            table.insert(facts, pandoc.Space())
          end
          for _, inline in ipairs(value) do table.insert(facts, inline) end
        end
      end
      if #facts > 0 then table.insert(desc, pandoc.Para(facts)) end
      if #cells > 1 then
        for _, block in ipairs(cell_blocks(cells[#cells])) do table.insert(desc, block) end
      end
      table.insert(items, {term, {desc}})
    end
  end
  return pandoc.DefinitionList(items)
end

function HorizontalRule()
  return {}
end
