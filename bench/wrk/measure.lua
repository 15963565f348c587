-- (b) POST /v1/synergies/{sid}/measurements with If-Match: each thread
-- cycles over its own synergies, one new day-long period per measurement.
-- Each synergy's version is counted here, not read from the replies: the
-- set-up leaves every synergy at version 3, only this thread writes to its
-- synergies, and it comes back to one after `count` requests, long after
-- the last one on it was answered (at most 32 are in flight). A refused
-- request would leave its synergy's count ahead for good, and every later
-- request on it would show in wrk's non-2xx count. Reading each reply made
-- wrk collect every reply's headers and body for Lua: a third of wrk's
-- user time, on the cores the server shares.
-- Each synergy's request head is built once; a request adds the version
-- and the body.
dofile(os.getenv("SYNERGY_WRK_DIR") .. "/common.lua")
local count = math.floor(synergies / 2)
local heads = {}     -- [k]: the head of the k-th synergy's requests, up to If-Match's version
local versions = {}  -- [k]: the version its next request expects
local days = {}      -- [k]: the day of its next period, counted from `base`
local dates = {}     -- day -> "YYYY-MM-DD"
local base = 1577836800  -- 2020-01-01; 2020-03-01, the operation's date, is day 60
local body_from = '{"period_from":"'
local body_to = '","period_to":"'
local body_rest = '","values":{"savings_eur":12.5,"tonnes_recovered":0.25},"method":"metered"}'
local length = #body_from + 10 + #body_to + 10 + #body_rest
local n = 0
function init(args)
  for k = 1, count do
    local sid = thread_id + (k - 1) * 2
    heads[k] = head_of("POST", "/v1/synergies/s" .. sid .. "/measurements") ..
        "Content-Length: " .. length .. "\r\nIf-Match: \""
    versions[k] = 3
    days[k] = 60
  end
end
function request()
  if is_check_call() then return wrk.format("GET", "/healthz") end
  n = n % count + 1
  local day = days[n]
  days[n] = day + 1
  local date = dates[day]
  if not date then
    date = os.date("!%Y-%m-%d", base + day * 86400)
    dates[day] = date
  end
  local version = versions[n]
  versions[n] = version + 1
  return heads[n] .. version .. '"\r\n\r\n' .. body_from .. date .. body_to .. date .. body_rest
end
