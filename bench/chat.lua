-- wrk script: a small non-streaming chat completion with a real model (forwarded by the gateway as the same bytes).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.body = '{"model":"kimi-for-coding","messages":[{"role":"system","content":"You are a helpful coding assistant."},{"role":"user","content":"Write a haiku about reverse proxies."}],"temperature":0.6,"stream":false}'
