// Linked with one layer's whole archive and the layers below it (tests/layering/CMakeLists.txt): if the layer
// calls into a layer above, this program does not link. It is never run.
int main() { return 0; }
