-- (c) GET /v1/synergies/{sid} over the set-up synergies: each thread's
-- requests are formatted once, then sent in turn.
dofile(os.getenv("SYNERGY_WRK_DIR") .. "/common.lua")
local requests = {}
local n = 0
function init(args)
  for k = 1, math.floor(synergies / 2) do
    requests[k] = wrk.format("GET", "/v1/synergies/s" .. (thread_id + (k - 1) * 2), headers)
  end
end
function request()
  n = n % #requests + 1
  return requests[n]
end
