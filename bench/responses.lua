-- wrk script: the chat.lua request as a Responses request (/v1/responses), which the gateway bridges to the same
-- upstream chat completion and translates back.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.body = '{"model":"kimi-for-coding","instructions":"You are a helpful coding assistant.","input":"Write a haiku about reverse proxies.","temperature":0.6,"stream":false}'
