-- wrk script: creates tickets with a realistic mix of languages.
local subjects = {
	'Where is my order?', '주문한 상품이 아직 도착하지 않았어요', '注文した商品がまだ届きません',
	'Siparişim nerede?', 'Refund for a damaged item', '배송지 변경 가능할까요?',
}
local bodies = {
	'Hi, I ordered a rain jacket nine days ago and the tracking page has not changed since it left the warehouse.',
	'안녕하세요, 일주일 전에 주문한 운동화의 배송조회가 계속 같은 상태입니다. 확인 부탁드립니다.',
	'こんにちは。十日前に注文したレインコートの配送状況が倉庫を出てから変わっていません。',
	'Merhaba, dokuz gün önce verdiğim yağmurluk siparişinin kargo takibi depodan çıktığından beri değişmedi.',
}
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
	thread:set("id", thread_id)
	thread_id = thread_id + 1
end

function init(args)
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

function request()
	counter = counter + 1
	local n = counter * 64 + id
	local body = string.format(
		'{"subject":"%s","body":"%s","customer":{"email":"shopper%d@example.com"},"channel":"email","tags":["bench"]}',
		subjects[n % #subjects + 1], bodies[n % #bodies + 1], n % 5000)
	return wrk.format(nil, "/api/v1/tickets", nil, body)
end
