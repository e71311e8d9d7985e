--[[ listing.lua: literate listings cut from the real source files by marker.

A code block in the book such as

    ```{.c include="solutions/3.2/schedulers.c" listing="step-decay"}
    ```

is replaced by the lines of that file between the marker lines

    // [listing step-decay]
    ...
    // [/listing]

(`#` comments work the same way in Python files). The marker lines
themselves, any markers nested inside the region, and the kit's
`// BEGIN SOLUTION` / `// END SOLUTION` lines (which delimit what students
write) are dropped, and the region is dedented. The listing gets a caption naming the file, the marker
and the source lines, so a reader knows where the code lives.

The build fails, with a message that says what to fix, when the file cannot
be read, when the marker is missing or appears twice, or when a region is
not closed. A listing is never silently skipped or pasted by hand: that is
what keeps the book from drifting away from the tested code.

Paths are relative to the directory pandoc runs in (the repository root).
--]]

local function fail(msg)
  error("book: " .. msg, 0)
end

local function read_lines(path)
  local f = io.open(path, "r")
  if not f then
    fail(string.format("listing file '%s' cannot be read (does it exist? the path is relative to the repository root)", path))
  end
  local lines = {}
  for line in f:lines() do
    lines[#lines + 1] = line
  end
  f:close()
  return lines
end

-- A marker is a comment line holding only "[listing NAME]" or "[/listing]".
local function open_marker(line)
  return line:match("^%s*//%s*%[listing%s+([%w_%-%.]+)%]%s*$")
      or line:match("^%s*#%s*%[listing%s+([%w_%-%.]+)%]%s*$")
end

-- The kit's own marker lines for the parts students write: not code.
local function is_solution_marker(line)
  return line:match("^%s*//%s*BEGIN SOLUTION%s*$") ~= nil
      or line:match("^%s*//%s*END SOLUTION%s*$") ~= nil
      or line:match("^%s*#%s*BEGIN SOLUTION%s*$") ~= nil
      or line:match("^%s*#%s*END SOLUTION%s*$") ~= nil
end

local function is_close_marker(line)
  return line:match("^%s*//%s*%[/listing%]%s*$") ~= nil
      or line:match("^%s*#%s*%[/listing%]%s*$") ~= nil
end

local function marker_names(lines)
  local names = {}
  for _, line in ipairs(lines) do
    local name = open_marker(line)
    if name then names[#names + 1] = name end
  end
  return names
end

-- Returns the lines of region `name` (markers removed) and the first and
-- last source line numbers it spans.
local function cut(path, lines, name)
  local start
  for i, line in ipairs(lines) do
    if open_marker(line) == name then
      if start then
        fail(string.format("listing marker '[listing %s]' appears twice in %s (lines %d and %d); rename one",
          name, path, start, i))
      end
      start = i
    end
  end
  if not start then
    local known = marker_names(lines)
    fail(string.format("listing marker '[listing %s]' not found in %s (markers there: %s)",
      name, path, #known > 0 and table.concat(known, ", ") or "none"))
  end
  local body, depth = {}, 1
  local first, last
  for i = start + 1, #lines do
    local line = lines[i]
    if open_marker(line) then
      depth = depth + 1
    elseif is_close_marker(line) then
      depth = depth - 1
      if depth == 0 then
        return body, first, last
      end
    elseif is_solution_marker(line) then
      -- dropped: see is_solution_marker
    else
      body[#body + 1] = line
      first = first or i
      last = i
    end
  end
  fail(string.format("listing '%s' in %s opens at line %d but has no closing '[/listing]' marker",
    name, path, start))
end

local function dedent(body)
  local indent
  for _, line in ipairs(body) do
    if line:match("%S") then
      local lead = #line:match("^%s*")
      if not indent or lead < indent then indent = lead end
    end
  end
  indent = indent or 0
  local out = {}
  for i, line in ipairs(body) do
    out[i] = line:sub(indent + 1)
  end
  -- No blank lines at either end.
  while #out > 0 and not out[1]:match("%S") do table.remove(out, 1) end
  while #out > 0 and not out[#out]:match("%S") do table.remove(out) end
  return out
end

function CodeBlock(block)
  local path = block.attributes["include"]
  local name = block.attributes["listing"]
  if not path and not name then
    return nil
  end
  if not path or not name then
    fail("a code block needs both include=\"FILE\" and listing=\"NAME\" (got include="
      .. tostring(path) .. ", listing=" .. tostring(name) .. ")")
  end
  if block.text:match("%S") then
    fail(string.format("the include block for %s [%s] must be empty: its text comes from the file", path, name))
  end
  local lines = read_lines(path)
  local body, first, last = cut(path, lines, name)
  body = dedent(body)
  if #body == 0 then
    fail(string.format("listing '%s' in %s is empty", name, path))
  end

  -- Attributes as an ordered list (a Lua table's order is not fixed, and
  -- the output must be the same bytes every time).
  local attrs = {}
  for k, v in pairs(block.attributes) do
    if k ~= "include" and k ~= "listing" then attrs[#attrs + 1] = { k, v } end
  end
  table.sort(attrs, function(a, b) return a[1] < b[1] end)
  attrs[#attrs + 1] = { "source", path }
  attrs[#attrs + 1] = { "marker", name }
  local code = pandoc.CodeBlock(table.concat(body, "\n"),
    pandoc.Attr("", block.classes, attrs))

  local caption = pandoc.Para({
    pandoc.Code(path),
    pandoc.Str(","),
    pandoc.Space(),
    pandoc.Str(string.format("lines %d\u{2013}%d", first, last)),
    pandoc.Space(),
    pandoc.Str("(listing"),
    pandoc.Space(),
    pandoc.Emph({ pandoc.Str(name) }),
    pandoc.Str(")"),
  })
  local blocks = { caption, code }
  if FORMAT:match("latex") then
    -- Keep the caption on the page of the code's first lines.
    table.insert(blocks, 1, pandoc.RawBlock("latex", "\\Needspace{8\\baselineskip}"))
  end
  return pandoc.Div(blocks, pandoc.Attr("", { "listing" }, {}))
end
