// Placeholder until the Loading stage lands.
