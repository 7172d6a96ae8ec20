-- wrk script: one inbox view (VIEW, the query string), over and over.
local path = "/api/v1/tickets?" .. (os.getenv("VIEW") or "")

function init(args)
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

function request()
	return wrk.format("GET", path)
end
