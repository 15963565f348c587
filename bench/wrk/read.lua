-- (c) GET /v1/synergies/{sid} over the set-up synergies.
dofile(os.getenv("SYNERGY_WRK_DIR") .. "/common.lua")
local n = 0
function request()
  local id = thread_id + (n % math.floor(synergies / 2)) * 2
  n = n + 1
  return wrk.format("GET", "/v1/synergies/s" .. id, headers)
end
