-- wrk script: reads random tickets among the first MAX_ID.
local max_id = tonumber(os.getenv("MAX_ID") or "1000")

function init(args)
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
	math.randomseed(os.time() + (args[1] and tonumber(args[1]) or 0))
end

function request()
	return wrk.format("GET", "/api/v1/tickets/" .. math.random(1, max_id))
end
