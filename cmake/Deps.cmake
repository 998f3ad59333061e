# otlpd_deps: every third-party library the code links, as one interface target.
#
# With OTLPD_STATIC_DEPS (the default outside sanitizer builds), gRPC, protobuf, Abseil, c-ares, OpenSSL, RE2, yaml-cpp,
# zstd, snappy and zlib are linked from the static archives Debian ships with their -dev packages; libc, libstdc++,
# spdlog, fmt and simdjson (no archives in Debian) stay shared. Measured in bench/PROFILE.md ("Fifth round"):
# the dynamic loader no longer reads libgrpc's and libprotobuf's symbol and relocation tables at start-up, and
# calls into them no longer go through the PLT or __tls_get_addr: idle RSS 18.6 -> 15 MiB, S1 CPU per span
# about 20 % lower. Sanitizer builds link the shared libraries (ASan's interposition is simplest that way).
if(OTLPD_SANITIZE)
  set(OTLPD_STATIC_DEPS_DEFAULT OFF)
else()
  set(OTLPD_STATIC_DEPS_DEFAULT ON)
endif()
option(OTLPD_STATIC_DEPS "Link gRPC, protobuf, Abseil, OpenSSL, RE2, yaml-cpp, zstd, snappy and zlib statically"
       ${OTLPD_STATIC_DEPS_DEFAULT})

add_library(otlpd_deps INTERFACE)
target_link_libraries(otlpd_deps INTERFACE spdlog::spdlog fmt::fmt simdjson::simdjson Threads::Threads Boost::boost
                                           ${CMAKE_DL_LIBS})

if(NOT OTLPD_STATIC_DEPS)
  target_link_libraries(otlpd_deps INTERFACE gRPC::grpc++ protobuf::libprotobuf yaml-cpp PkgConfig::RE2
                                             PkgConfig::CARES PkgConfig::ZSTD PkgConfig::SNAPPY ZLIB::ZLIB OpenSSL::SSL OpenSSL::Crypto)
  return()
endif()

# pkg-config --static names every library in link order; each one with an archive is linked from it, the
# rest (libdl, librt, libatomic, libm) stay as they are. The archives go in one group: Abseil's depend on
# each other in cycles.
set(otlpd_static_modules grpc++ protobuf re2 libcares openssl yaml-cpp libzstd snappy zlib)
execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --static --libs ${otlpd_static_modules}
                OUTPUT_VARIABLE otlpd_static_flags RESULT_VARIABLE otlpd_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT otlpd_rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --static --libs ${otlpd_static_modules} failed; configure with -DOTLPD_STATIC_DEPS=OFF")
endif()
separate_arguments(otlpd_static_flags UNIX_COMMAND "${otlpd_static_flags}")
set(otlpd_archives)
set(otlpd_system_libs)
foreach(flag IN LISTS otlpd_static_flags)
  if(NOT flag MATCHES "^-l(.+)$")
    continue()  # -pthread, -L/usr/lib/..., --as-needed brackets: Threads::Threads and the defaults cover them
  endif()
  set(name ${CMAKE_MATCH_1})
  string(MAKE_C_IDENTIFIER "${name}" id)
  find_library(OTLPD_ARCHIVE_${id} NAMES lib${name}.a)
  if(OTLPD_ARCHIVE_${id})
    list(APPEND otlpd_archives ${OTLPD_ARCHIVE_${id}})
  else()
    list(APPEND otlpd_system_libs ${name})
  endif()
endforeach()
list(REMOVE_DUPLICATES otlpd_archives)
list(REMOVE_DUPLICATES otlpd_system_libs)
list(LENGTH otlpd_archives otlpd_count)
message(STATUS "otlpd: linking ${otlpd_count} third-party archives statically (OTLPD_STATIC_DEPS)")
list(JOIN otlpd_archives "," otlpd_archive_list)
target_link_libraries(otlpd_deps INTERFACE "$<LINK_GROUP:RESCAN,${otlpd_archive_list}>" ${otlpd_system_libs})
