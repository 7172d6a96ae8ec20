-- wrk script: sends the signed Shopify deliveries of bench/hooks.py (HOOKS=FILE)
-- to /hooks/shopify/SLUG, each once, spread over the threads.
local file = os.getenv("HOOKS")
local slug = os.getenv("SLUG") or "bench"
local threads_n = tonumber(os.getenv("THREADS") or "2")
local lines = {}
local counter = 0

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
end

function init(args)
	local n = 0
	for line in io.lines(file) do
		-- thread k takes lines k, k + threads_n, ...
		if n % threads_n == id then
			lines[#lines + 1] = line
		end
		n = n + 1
	end
	next_line = 1
end

function request()
	local line = lines[next_line]
	if not line then
		wrk.thread:stop()
		line = lines[1]
	end
	next_line = next_line + 1
	local sig, delivery, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
	return wrk.format("POST", "/hooks/shopify/" .. slug, {
		["Content-Type"] = "application/json",
		["X-Shopify-Topic"] = "orders/create",
		["X-Shopify-Webhook-Id"] = delivery,
		["X-Shopify-Hmac-Sha256"] = sig,
	}, body)
end
