-- (b) POST /v1/synergies/{sid}/measurements with If-Match: each thread
-- cycles over its own synergies, one new day-long period per measurement,
-- and learns each synergy's version from the replies (stream, version).
dofile(os.getenv("SYNERGY_WRK_DIR") .. "/common.lua")
local versions = {}
local days = {}
local n = 0
local base = 1577836800  -- 2020-03-01 is 60 days later; periods start there
function request()
  local id = thread_id + (n % math.floor(synergies / 2)) * 2
  n = n + 1
  local sid = "s" .. id
  local day = (days[sid] or 60)
  days[sid] = day + 1
  local date = os.date("!%Y-%m-%d", base + day * 86400)
  local body = '{"period_from":"' .. date .. '","period_to":"' .. date ..
      '","values":{"savings_eur":12.5,"tonnes_recovered":0.25},"method":"metered"}'
  local h = headers_with({["If-Match"] = '"' .. (versions[sid] or 3) .. '"'})
  return wrk.format("POST", "/v1/synergies/" .. sid .. "/measurements", h, body)
end
function response(status, headers, body)
  if status == 201 then
    local sid = body:match('"stream":"synergy%-([^"]+)"')
    local version = body:match('"version":(%d+)')
    if sid and version then versions[sid] = tonumber(version) end
  end
end
