package main

/*
import "github.com/google/generative-ai-go/genai"
*/

// vendorNames lists vendors for the status page; none is called here.
var vendorNames = []string{"OpenAI", "Anthropic", "Google Gemini"}
var lookalike = "https://api.anthropic.com.example.org/v1/messages"
