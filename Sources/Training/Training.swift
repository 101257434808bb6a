// Placeholder until the Training stage lands.
