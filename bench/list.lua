-- wrk script: inbox views with filters, sorting and a second page.
local views = {
	"/api/v1/tickets?status=new,open&limit=25",
	"/api/v1/tickets?status=open&sort=-created_at&limit=25",
	"/api/v1/tickets?tag=t7&limit=25",
	"/api/v1/tickets?tag=t7&status=new,open&limit=25",
	"/api/v1/tickets?tag=t3&status=open&sort=-created_at&limit=25",
	"/api/v1/tickets?channel=email&limit=50",
	"/api/v1/tickets?assignee=none&limit=25",
	"/api/v1/tickets?limit=100",
}

function init(args)
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

function request()
	return wrk.format("GET", views[math.random(1, #views)])
end
