cmake_minimum_required(VERSION 3.25)
# cmake -DPANDOC=... -DSOURCE=page.md [-DINCLUDE=doc.md] -DOUTPUT=page.N
#       -DVERSION=X -DLUA_FILTER=man_tables.lua -DINCLUDE_FILTER=man_include.lua
#       -P man_page.cmake
# Writes the man page OUTPUT from SOURCE: "@VERSION@" becomes VERSION, and the
# line "<!-- include -->" becomes INCLUDE's text with its headings one level
# up (its "# title" dropped, "##" sections become man sections; see
# INCLUDE_FILTER), or nothing when INCLUDE is empty. pandoc reads the
# headings, so "#" lines inside code blocks are left alone. Tables become
# definition lists (LUA_FILTER). No hyphenation: key and variable names must
# read (and copy) whole.
file(READ ${SOURCE} text)
string(REPLACE "@VERSION@" "${VERSION}" text "${text}")
set(included "")
if(INCLUDE)
  execute_process(
    COMMAND ${PANDOC} --from markdown --to markdown --lua-filter=${INCLUDE_FILTER} ${INCLUDE}
    OUTPUT_VARIABLE included
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pandoc could not read ${INCLUDE}")
  endif()
endif()
string(REPLACE "<!-- include -->" "${included}" text "${text}")
get_filename_component(dir ${OUTPUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
file(WRITE ${OUTPUT}.md "${text}")
execute_process(
  COMMAND ${PANDOC} --standalone --from markdown --to man --lua-filter=${LUA_FILTER}
          --metadata=hyphenate=false ${OUTPUT}.md -o ${OUTPUT}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pandoc could not convert ${SOURCE}")
endif()
# Installed compressed, as Debian policy wants; -n keeps the archive stable.
execute_process(COMMAND gzip -9 -n -c ${OUTPUT} OUTPUT_FILE ${OUTPUT}.gz RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip could not compress ${OUTPUT}")
endif()
