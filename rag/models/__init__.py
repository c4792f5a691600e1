"""The models behind narrow interfaces, each kind in one registry: embedders (sentence-transformers, OpenVINO
int8, a disk cache of vectors), LLMs (embedded llama.cpp, Ollama, OpenAI-compatible servers), the optional
rescorer, and the presets that can be had offline with their checksum-verified provisioning."""
