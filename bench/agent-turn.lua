-- wrk script: one turn of an agent loop on the thinking model, as almost every OpenAI client sends it: 40 messages
-- (system, user, then 19 assistant tool calls without reasoning_content, each with its tool result) and 20 tools,
-- two of whose properties have no "type" (as MCP servers send them). The gateway restores the reasoning of each tool
-- call (here from its placeholder: nothing is remembered for this key) and fills the two types.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-agent"
local filler = string.rep("Line of a source file that the tool returned, with some code: total += price * qty; ", 12)
local messages = {
	'{"role":"system","content":"You are a coding agent. Use the tools to inspect and change the repository."}',
	'{"role":"user","content":"Find why the build fails and fix it."}'
}
for i = 1, 19 do
	local id = "functions.read_file:" .. i
	messages[#messages + 1] = '{"role":"assistant","content":"","tool_calls":[{"id":"' .. id ..
		'","type":"function","function":{"name":"read_file","arguments":"{\\"path\\":\\"src/file' .. i .. '.java\\"}"}}]}'
	messages[#messages + 1] = '{"role":"tool","tool_call_id":"' .. id .. '","content":"' .. filler .. '"}'
end
local tools = {}
for i = 1, 20 do
	local mode = (i <= 2) and '{"enum":["fast","full"],"description":"how"}' or '{"type":"string","description":"how"}'
	tools[#tools + 1] = '{"type":"function","function":{"name":"tool_' .. i .. '","description":"Tool number ' .. i ..
		' of the agent.","parameters":{"type":"object","properties":{"path":{"type":"string","description":"A path"},' ..
		'"mode":' .. mode .. ',"limit":{"type":"integer","minimum":1}},"required":["path"]}}}'
end
wrk.body = '{"model":"kimi-for-coding-thinking","messages":[' .. table.concat(messages, ",") .. '],"tools":[' ..
	table.concat(tools, ",") .. '],"temperature":0.6,"stream":false}'
