-- wrk script: cycle through pre-minted bearer tokens (one per line of the file $WRK_TOKENS),
-- each request formatted before the run (see cycle.lua).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or ""
dofile(here .. "cycle.lua").install(function(line)
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. line })
end)
