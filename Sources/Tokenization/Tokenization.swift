// Placeholder until the Tokenization stage lands.
