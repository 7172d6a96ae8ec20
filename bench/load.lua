-- wrk script: loads tickets (MODE=tickets) or replies on random tickets
-- (MODE=messages) until COUNT requests were sent across all threads.
local mode = os.getenv("MODE") or "tickets"
local count = tonumber(os.getenv("COUNT") or "1000")
local max_id = tonumber(os.getenv("MAX_ID") or "1000")
local threads_n = tonumber(os.getenv("THREADS") or "2")
local per_thread = math.ceil(count / threads_n)
local words = {
	"order", "refund", "shipping", "parcel", "tracking", "jacket", "sneakers", "mug", "size",
	"address", "discount", "warehouse", "carrier", "delay", "exchange", "invoice", "broken",
	"배송", "주문", "환불", "교환", "쿠폰", "注文", "配送", "返品", "交換", "届きません",
	"sipariş", "kargo", "iade", "değişim", "İstanbul", "kırmızı",
}
local sent = 0

local counter = 0

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
end

function init(args)
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
	math.randomseed(id * 7919 + 17)
end

local function sentence(n)
	local t = {}
	for i = 1, n do
		-- a skewed draw: the first words are far more common, as in real mail
		local k = math.floor(#words * math.random() ^ 2.5) + 1
		t[#t + 1] = words[k]
	end
	return table.concat(t, " ") .. " " .. math.random(1, 10000000)
end

function request()
	sent = sent + 1
	if sent > per_thread then
		wrk.thread:stop()
	end
	if mode == "tickets" then
		local body = string.format(
			'{"subject":"%s","body":"%s","customer":{"email":"shopper%d@example.com"},"channel":"email","tags":["t%d"]}',
			sentence(5), sentence(24), math.random(1, 200000), math.random(1, 50))
		return wrk.format(nil, "/api/v1/tickets", nil, body)
	end
	local body = string.format('{"body":"%s"}', sentence(30))
	return wrk.format(nil, "/api/v1/tickets/" .. math.random(1, max_id) .. "/messages", nil, body)
end
