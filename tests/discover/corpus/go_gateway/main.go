package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	openai "github.com/sashabaranov/go-openai" // expect: llm-api/openai
	// anthropic "github.com/anthropics/anthropic-sdk-go"
)

const bedrockURL = "https://bedrock-runtime.eu-central-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1:0/invoke" // expect: llm-api/aws-bedrock

const usage = `gateway forwards questions to "github.com/sashabaranov/go-openai" models;
see https://platform.openai.com for keys`

func answer(ctx context.Context, question string) (string, error) {
	client := openai.NewClient(os.Getenv("OPENAI_API_KEY"))
	resp, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{ // expect: llm-api/openai
		Model: openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleUser, Content: question},
		},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}

func bedrock(body string) (*http.Response, error) {
	return http.Post(bedrockURL, "application/json", strings.NewReader(body))
}

func main() {
	fmt.Println(usage)
}
