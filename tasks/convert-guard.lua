-- Pandoc Lua filter used by tasks/convert.ts: keeps a conversion from reading anything outside the
-- files folder or fetching from the network. (pandoc 2.17's --sandbox cannot write EPUB or DOCX.)
-- * Images: only data: URIs, relative paths without '..' (resolved from the input's folder) whose
--   real path, symlinks resolved (realpath -e), is inside the files folder named by the metadata field asexor-files-root (tasks/convert.ts sets
--   it on the command line, which overrides the document's) are kept; for HTML output remote http(s)
--   images stay as links (HTML output embeds nothing), and images the input carries itself (a DOCX's
--   media, when no such file exists on disk). Any other image becomes its alt text, with a warning on
--   stderr, and leaves the media bag. Without that field no local image file is kept.
-- * Raw HTML is dropped from EPUB output (the EPUB writer embeds the media it references).
-- * Metadata is limited to descriptive fields (no cover-image, stylesheet, css, ...: they name files).

local KEEP_META = {
  title = true, subtitle = true, author = true, date = true, lang = true, language = true,
  description = true, abstract = true, subject = true, keywords = true, rights = true,
  publisher = true, creator = true, contributor = true, identifier = true,
}

local function decode(s)
  return (s:gsub('%%(%x%x)', function(hex) return string.char(tonumber(hex, 16)) end))
end

local function local_path_ok(src)
  if src == '' or src:sub(1, 1) == '/' or src:find('\\', 1, true) or src:find('\0', 1, true) then return false end
  if src:match('^[%a][%w+.-]*:') then return false end -- a URI scheme (file:, http:, C:, ...)
  for segment in src:gmatch('[^/]+') do
    if segment == '..' then return false end
  end
  return true
end

local root -- real path of the files folder, set by read_root
local real_cache = {}

-- The real path of an existing file (argv, no shell), or false.
local function real_path(p)
  if real_cache[p] == nil then
    local ok, out = pcall(pandoc.pipe, 'realpath', {'-e', '-q', '--', p}, '')
    real_cache[p] = ok and out:gsub('\n$', '') or false
  end
  return real_cache[p]
end

local function inside_root(real)
  return root ~= nil and (real == root or real:sub(1, #root + 1) == root .. '/')
end

-- Every spelling pandoc may open (as written, percent-decoded) that exists on disk must be inside;
-- when none exists, only an image the input carries itself (a DOCX's media, in the media bag) is kept.
-- The DOCX writer fills the media bag before filters run, so a file's presence there says nothing:
-- the disk decides first.
local function local_file_ok(src)
  local found = false
  for _, candidate in ipairs({src, decode(src)}) do
    local real = real_path(candidate)
    if real then
      if not inside_root(real) then return false end
      found = true
    end
  end
  return found or pandoc.mediabag.lookup(src) ~= nil
end

local function image_ok(src)
  if src:match('^data:') then return true end
  if FORMAT:match('^html') and src:match('^https?://') then return true end
  if not (local_path_ok(src) and local_path_ok(decode(src))) then return false end
  return local_file_ok(src)
end

local function warn(what, detail)
  io.stderr:write('[asexor] removed ' .. what .. ': ' .. detail .. '\n')
end

local function Image(img)
  if image_ok(img.src) then return nil end
  warn('image', img.src .. ' (only files inside the files folder)')
  pcall(pandoc.mediabag.delete, img.src) -- fetched already by the DOCX writer: never embedded
  return img.caption
end

local function drop_raw(raw)
  if FORMAT:match('^epub') and raw.format:match('^html') then
    warn('raw HTML', 'not allowed in EPUB output')
    return {}
  end
  return nil
end

local function Meta(meta)
  for key, _ in pairs(meta) do
    if not KEEP_META[key] then
      warn('metadata field', key)
      meta[key] = nil
    end
  end
  return meta
end

local function read_root(meta)
  local value = meta['asexor-files-root']
  if value ~= nil then
    local real = real_path(pandoc.utils.stringify(value))
    if real then root = real end
  end
end

-- Two passes: the root first (Meta runs after the inlines within one filter), then the guard.
return {
  { Meta = read_root },
  { Image = Image, RawInline = drop_raw, RawBlock = drop_raw, Meta = Meta },
}
