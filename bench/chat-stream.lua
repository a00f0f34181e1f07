-- wrk script: a streamed chat completion; the fake upstream sends 20 events at once (X-Gap-Ms: 0), then [DONE].
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.headers["X-Events"] = "20"
wrk.headers["X-Gap-Ms"] = "0"
wrk.body = '{"model":"kimi-for-coding","messages":[{"role":"system","content":"You are a helpful coding assistant."},{"role":"user","content":"Write a haiku about reverse proxies."}],"temperature":0.6,"stream":true,"stream_options":{"include_usage":true}}'
