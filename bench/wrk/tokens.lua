-- wrk script: cycle through pre-minted bearer tokens (one per line of the file $WRK_TOKENS).
local tokens = {}
local index = 0

local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(os.getenv("WRK_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  -- Threads start at different offsets so they do not send the same token at once.
  index = ((offset or 0) * 7919) % #tokens
end

function request()
  index = index % #tokens + 1
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[index] })
end
