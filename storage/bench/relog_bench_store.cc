// The storage benchmark: lands with its own commit.
int main() { return 0; }
