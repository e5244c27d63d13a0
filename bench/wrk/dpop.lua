-- wrk script: DPoP requests, one per line of $WRK_TOKENS ("<access token> <proof>"): the same
-- token with a proof made for this one request, each request formatted before the run (see cycle.lua).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or ""
dofile(here .. "cycle.lua").install(function(line)
  local token, proof = line:match("^(%S+) (%S+)$")
  return wrk.format("GET", nil, { ["Authorization"] = "DPoP " .. token, ["DPoP"] = proof })
end)
