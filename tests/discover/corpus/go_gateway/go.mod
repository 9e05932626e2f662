module github.com/acme/gateway

go 1.22

require github.com/sashabaranov/go-openai v1.32.0
