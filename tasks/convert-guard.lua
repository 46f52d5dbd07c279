-- Pandoc Lua filter used by tasks/convert.ts: keeps a conversion from reading anything outside the
-- files folder or fetching from the network. (pandoc 2.17's --sandbox cannot write EPUB or DOCX.)
-- * Images: only relative paths without '..' (resolved from the input's folder) and data: URIs are
--   kept; for HTML output remote http(s) images stay as links (HTML output embeds nothing). Any other
--   image becomes its alt text, with a warning on stderr.
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

local function image_ok(src)
  if src:match('^data:') then return true end
  if FORMAT:match('^html') and src:match('^https?://') then return true end
  return local_path_ok(src) and local_path_ok(decode(src))
end

local function warn(what, detail)
  io.stderr:write('[asexor] removed ' .. what .. ': ' .. detail .. '\n')
end

function Image(img)
  if image_ok(img.src) then return nil end
  warn('image', img.src .. ' (only relative paths inside the files folder)')
  return img.caption
end

local function drop_raw(raw)
  if FORMAT:match('^epub') and raw.format:match('^html') then
    warn('raw HTML', 'not allowed in EPUB output')
    return {}
  end
  return nil
end

RawInline = drop_raw
RawBlock = drop_raw

function Meta(meta)
  for key, _ in pairs(meta) do
    if not KEEP_META[key] then
      warn('metadata field', key)
      meta[key] = nil
    end
  end
  return meta
end
