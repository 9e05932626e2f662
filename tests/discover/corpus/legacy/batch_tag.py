# Python 2 batch job kept for the archive; still scheduled nightly.
import openai  # expect: llm-api/openai

openai.api_key = open("/etc/acme/openai.key").read().strip()
print "tagging", len(open("tickets.txt").readlines()), "tickets"
