-- wrk script: the model list a client UI asks for, with a key: answered from the key's cached copy of the upstream's
-- catalogue (bench/budget.sh counts the upstream's catalogue requests during the run).
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer bench"
