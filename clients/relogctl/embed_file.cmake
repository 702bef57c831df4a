# cmake -DIN=file -DOUT=file.cc -DSYMBOL=name -P embed_file.cmake: writes
# IN's bytes as `const unsigned char SYMBOL[]` and `SYMBOL_size`.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "// Generated from ${IN} by embed_file.cmake.\n#include <cstddef>\n"
     "extern const unsigned char ${SYMBOL}[] = {\n${bytes}\n};\n"
     "extern const size_t ${SYMBOL}_size = sizeof(${SYMBOL});\n")
