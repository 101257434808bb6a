// Placeholder until the Masking stage lands.
