-- wrk script: DPoP requests, one per line of $WRK_TOKENS ("<access token> <proof>"): the same
-- token with a proof made for this one request. Formatted before the run, as tokens.lua does.
local requests = {}
local index = 0

local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(os.getenv("WRK_TOKENS")) do
    local token, proof = line:match("^(%S+) (%S+)$")
    requests[#requests + 1] = wrk.format("GET", nil, { ["Authorization"] = "DPoP " .. token, ["DPoP"] = proof })
  end
  index = ((offset or 0) * 7919) % #requests
end

function request()
  index = index % #requests + 1
  return requests[index]
end
