-- wrk script: searches, half of them one common word (the slow case for bm25).
local queries = {
	"order", "shipping", "배송", "注文", "sipariş", "refund",          -- common, one word
	"parcel tracking", "broken mug", "配送 返品", "kargo iade",         -- two words
	"istanbul", "KIRMIZI", "届きません", "교환 쿠폰", "warehouse delay", "invoice",
}

function init(args)
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

function request()
	local q = queries[math.random(1, #queries)]
	return wrk.format("GET", "/api/v1/search?q=" .. q:gsub("[^%w]", function(c)
		return string.format("%%%02X", string.byte(c))
	end))
end
