# Generates C++ and gRPC code for everything under proto/ into one library, otlpd_proto.
file(GLOB_RECURSE OTLPD_PROTO_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/proto/*.proto)
set(OTLPD_PROTO_OUT ${PROJECT_BINARY_DIR}/gen)
file(MAKE_DIRECTORY ${OTLPD_PROTO_OUT})
get_target_property(OTLPD_GRPC_PLUGIN gRPC::grpc_cpp_plugin LOCATION)

set(OTLPD_PROTO_SRCS)
foreach(proto ${OTLPD_PROTO_FILES})
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/proto ${proto})
  string(REGEX REPLACE "\\.proto$" "" base ${rel})
  set(outs ${OTLPD_PROTO_OUT}/${base}.pb.cc ${OTLPD_PROTO_OUT}/${base}.pb.h)
  set(grpc_args)
  # Only files that declare a service get gRPC stubs.
  file(STRINGS ${proto} has_service REGEX "^service ")
  if(has_service)
    list(APPEND outs ${OTLPD_PROTO_OUT}/${base}.grpc.pb.cc ${OTLPD_PROTO_OUT}/${base}.grpc.pb.h)
    set(grpc_args --grpc_out=${OTLPD_PROTO_OUT} --plugin=protoc-gen-grpc=${OTLPD_GRPC_PLUGIN})
  endif()
  add_custom_command(
    OUTPUT ${outs}
    COMMAND protobuf::protoc --proto_path=${PROJECT_SOURCE_DIR}/proto --cpp_out=${OTLPD_PROTO_OUT} ${grpc_args} ${proto}
    DEPENDS ${proto} protobuf::protoc
    COMMENT "protoc ${rel}"
    VERBATIM)
  list(FILTER outs INCLUDE REGEX "\\.cc$")
  list(APPEND OTLPD_PROTO_SRCS ${outs})
endforeach()

add_library(otlpd_proto STATIC ${OTLPD_PROTO_SRCS})
target_include_directories(otlpd_proto SYSTEM PUBLIC ${OTLPD_PROTO_OUT})
target_link_libraries(otlpd_proto PUBLIC otlpd_deps)
