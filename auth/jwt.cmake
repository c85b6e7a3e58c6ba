# jira_auth_jwt: local verification of the zone's bearer JWTs against its JWKS (issue #3).
# Kept apart from auth/CMakeLists.txt so it can be included from there or, when this target is
# built on its own, from tests/auth_jwt. Paths are relative to this file, wherever it is included.
add_library(jira_auth_jwt
  ${CMAKE_CURRENT_LIST_DIR}/jwks.cc
  ${CMAKE_CURRENT_LIST_DIR}/jwt.cc
  ${CMAKE_CURRENT_LIST_DIR}/jwt_openssl.cc
  ${CMAKE_CURRENT_LIST_DIR}/jwt_verifier.cc)
target_include_directories(jira_auth_jwt PUBLIC ${PROJECT_SOURCE_DIR})
# OpenSSL is public: jwks.h hands out EVP_PKEY handles.
target_link_libraries(jira_auth_jwt PUBLIC jira_core OpenSSL::Crypto)
