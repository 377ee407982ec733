#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "common/sha256.hpp"
#include "deepcompress/error.hpp"

namespace fs = std::filesystem;
using deepcompress::sha256_file_hex;
using deepcompress::sha256_hex;

TEST_CASE("sha256 of the FIPS 180-2 test vectors", "[common][sha256]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256 pads correctly around the 56- and 64-byte block edges", "[common][sha256]") {
  // 55 bytes fit length in one block; 56 and 64 need a second block.
  CHECK(sha256_hex(std::string(55, 'a')) ==
        "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(sha256_hex(std::string(56, 'a')) ==
        "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(sha256_hex(std::string(64, 'a')) ==
        "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("sha256 of a file of a million 'a's", "[common][sha256]") {
  const fs::path path = fs::temp_directory_path() /
                        ("dc_sha256_" + std::to_string(::getpid()) + ".bin");
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(1000000, 'a');
  }
  const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  CHECK(sha256_file_hex(path) == expected);
  CHECK(sha256_hex(std::string(1000000, 'a')) == expected);
  fs::remove(path);
}

TEST_CASE("sha256_file_hex names a missing file", "[common][sha256]") {
  const std::string missing = "/nonexistent/dc_missing_model.pt";
  try {
    sha256_file_hex(missing);
    FAIL("expected an error");
  } catch (const deepcompress::Error& e) {
    CHECK(e.kind() == deepcompress::ErrorKind::kInput);
    CHECK(e.file() == missing);
    CHECK(std::string(e.what()).find(missing) != std::string::npos);
  }
  CHECK_THROWS_AS(sha256_file_hex(fs::temp_directory_path()), deepcompress::Error);
}

TEST_CASE("hmac_sha256 of the RFC 4231 test vectors", "[common][sha256]") {
  using deepcompress::hmac_sha256_hex;
  // Test case 1: 20-byte key of 0x0b.
  CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a short key.
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key, longer than the block, is hashed first.
  CHECK(hmac_sha256_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
