# embed-file.cmake — run with cmake -P: writes OUTPUT, a C file defining
# `const char NAME[]` (the bytes of INPUT, NUL-terminated) and
# `const size_t NAME_len`, so a document ships inside the binary that
# serves it and cannot go missing from an install.
#   cmake -DINPUT=docs/openapi.json -DOUTPUT=x.c -DNAME=admin_openapi_json -P embed-file.cmake
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR length "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "/* generated from ${INPUT} by cmake/embed-file.cmake; do not edit */\n"
  "#include <stddef.h>\n"
  "const char ${NAME}[] = {\n${bytes}0x00 };\n"
  "const size_t ${NAME}_len = ${length};\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
