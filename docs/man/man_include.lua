-- pandoc filter for the text spliced into a man page (docs/config.md in
-- watchers.ini(5)): man sections are level-1 headings. A document with one
-- level-1 heading, its title, loses it and has every other heading moved up
-- one level ("## 5. [circus]" becomes a section). One already written with
-- several level-1 sections is left as it is.

function Pandoc(doc)
  local titles = 0
  for _, block in ipairs(doc.blocks) do
    if block.t == "Header" and block.level == 1 then titles = titles + 1 end
  end
  if titles > 1 then return doc end
  local blocks = {}
  for i, block in ipairs(doc.blocks) do
    if block.t == "Header" then
      if block.level > 1 then
        block.level = block.level - 1
        table.insert(blocks, block)
      end
      -- the one level-1 heading is the title: dropped
    else
      table.insert(blocks, block)
    end
  end
  return pandoc.Pandoc(blocks, doc.meta)
end
