// PII redaction: positives and near-miss negatives per type, overlaps, offsets into the
// original text, char_confidences bookkeeping, UTF-8 safety, linear time.
// Card numbers and IBANs below are published test values; their Luhn / mod-97 validity
// was checked independently (Python), not taken from this code's output.
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "deepcompress/error.hpp"
#include "encode/redact.hpp"

using namespace deepcompress;

namespace {

const PiiTypes kAll = PiiTypes::all();

std::string redacted(std::string_view text, PiiTypes types = kAll) { return redact_text(text, types).text; }

// The (type, original value) of each match, in order.
std::vector<std::pair<std::string, std::string>> found(std::string_view text, PiiTypes types = kAll) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const PiiMatch& m : redact_text(text, types).matches) {
    out.emplace_back(std::string(pii_type_name(m.type)),
                     std::string(text.substr(m.offset_bytes, m.length_bytes)));
  }
  return out;
}

using Found = std::vector<std::pair<std::string, std::string>>;

// The whole text is one value of `type`, also when embedded in a sentence.
void check_positive(const std::string& value, const std::string& type) {
  INFO("value: " << value);
  CHECK(found(value) == Found{{type, value}});
  const std::string sentence = "see " + value + ", then";
  CHECK(found(sentence) == Found{{type, value}});
}

void check_negative(const std::string& text) {
  INFO("text: " << text);
  CHECK(found(text).empty());
  CHECK(redacted(text) == text);
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80             ? 1
                          : (b & 0xE0) == 0xC0 ? 2
                          : (b & 0xF0) == 0xE0 ? 3
                          : (b & 0xF8) == 0xF0 ? 4
                                               : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

std::size_t n_chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

TEST_CASE("parse_redact_types reads all, lists and nothing", "[encode][redact]") {
  const PiiTypes all = parse_redact_types("all");
  for (int k = 0; k < kNumPiiTypes; ++k) CHECK(all.has(static_cast<PiiType>(k)));
  CHECK(parse_redact_types("").empty());
  const PiiTypes some = parse_redact_types("email,iban");
  CHECK(some.has(PiiType::kEmail));
  CHECK(some.has(PiiType::kIban));
  CHECK_FALSE(some.has(PiiType::kPhone));
  CHECK_FALSE(some.has(PiiType::kCard));
  for (const char* bad : {"zip", "email,", "Email", "email, phone", "none"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_redact_types(bad), Error);
  }
  CHECK_THROWS_WITH(parse_redact_types("email,zip"), Catch::Contains("zip"));
}

TEST_CASE("names and placeholders", "[encode][redact]") {
  CHECK(pii_type_name(PiiType::kIpv4) == "ipv4");
  CHECK(pii_placeholder(PiiType::kIpv4) == "[IPV4]");
  CHECK(redacted("mail a.b@example.com now") == "mail [EMAIL] now");
  CHECK(redacted("card 4111 1111 1111 1111.") == "card [CARD].");
  CHECK(redacted("IBAN DE89 3704 0044 0532 0130 00") == "IBAN [IBAN]");
  CHECK(redacted("SSN 078-05-1120") == "SSN [SSN]");
  CHECK(redacted("host 192.168.1.20:8080") == "host [IPV4]:8080");
  CHECK(redacted("DOB: 1980-02-01") == "DOB: [DOB]");
  CHECK(redacted("call (555) 123-4567") == "call [PHONE]");
}

TEST_CASE("only the requested types are redacted", "[encode][redact]") {
  const std::string text = "a@example.com 4111 1111 1111 1111 192.168.1.1";
  CHECK(redacted(text, parse_redact_types("email")) == "[EMAIL] 4111 1111 1111 1111 192.168.1.1");
  CHECK(redacted(text, parse_redact_types("card,ipv4")) == "a@example.com [CARD] [IPV4]");
  CHECK(redacted(text, parse_redact_types("")) == text);
  CHECK(redact_text(text, parse_redact_types("")).matches.empty());
}

TEST_CASE("email addresses", "[encode][redact]") {
  for (const char* v :
       {"john.doe@example.com", "j_doe+tag@mail.example.co.uk", "ANNA-MARIA.X@Example.ORG",
        "x%y@sub-domain.example.io", "andr\xC3\xA9.dupont@example.fr", "info@m\xC3\xBCller.de"}) {
    check_positive(v, "email");
  }
  // A sentence's final dot and surrounding brackets are not part of it.
  CHECK(found("Write to <jane@example.com>.") == Found{{"email", "jane@example.com"}});
  CHECK(redacted("mailto:jane@example.com.") == "mailto:[EMAIL].");
  // Leading dots and ".." are cut off the local part, the rest still goes.
  CHECK(found("..jane@example.com") == Found{{"email", "jane@example.com"}});
  for (const char* v :
       {"john@localhost", "@example.com", "john@.com", "john.@example.com", "name@domain.c",
        "name@domain.123", "a@b", "john@-example.com", "price @ 5.00", "user @ example.com"}) {
    check_negative(v);
  }
}

TEST_CASE("payment card numbers", "[encode][redact]") {
  for (const char* v : {"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111",
                        "5500 0000 0000 0004", "5105-1051-0510-5100", "2223000048400011",
                        "3400 0000 0000 009", "378282246310005", "3782 822463 10005", "6011111111111117",
                        "6011 0009 9013 9424", "30569309025904", "3530111333300000", "4222222222222"}) {
    check_positive(v, "card");
  }
  // Card number next to other numbers of another shape.
  CHECK(found("4111-1111-1111-1111 2027") == Found{{"card", "4111-1111-1111-1111"}});
  CHECK(found("No. 12: 4111 1111 1111 1111") == Found{{"card", "4111 1111 1111 1111"}});
  // Space-joined: the card is the leading groups; what follows is another number.
  CHECK(redacted("4111 1111 1111 1111 12/27") == "[CARD] 12/27");
  CHECK(redacted("4111111111111111 2027") == "[CARD] 2027");
  CHECK(redacted("3782 822463 10005 0427") == "[CARD] 0427");
  CHECK(redacted("4111 1111 1111 1111 1111") == "[CARD] 1111");
  for (const char* v : {
           "4111 1111 1111 1112",       // Luhn fails
           "1234567812345670",          // Luhn-valid, but no card network starts with 1
           "4111-1111-1111-1111-1111",  // 20 digits joined by dashes: one longer number
           "41111111111111111111",      // 20 plain digits
           "12 4111 1111 1111 1111",    // part of a longer run of groups
           "4111  1111 1111 1111",      // double space: separate numbers
           "4111-1111 1111-1111",       // mixed separators
           "41 1111 1111 1111 11",      // not a card grouping
           "978-3-16-148410-0",         // ISBN-13: 13 digits, but not a card grouping
           "9783161484100",             // the same ISBN, plain
           "4111111111111111111",       // 19 digits, Luhn fails
           "x4111111111111111",         // glued to a word
           "4111111111111111.50",       // part of a decimal
       }) {
    check_negative(v);
  }
}

TEST_CASE("IBANs", "[encode][redact]") {
  for (const char* v :
       {"DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32",
        "NL91ABNA0417164300", "FR14 2004 1010 0505 0001 3M02 606", "BE68 5390 0754 7034",
        "CH93 0076 2011 6238 5295 7", "AT61 1904 3002 3457 3201", "ES91 2100 0418 4502 0005 1332",
        "IT60 X054 2811 1010 0000 0123 456", "NO93 8601 1117 947", "PL61 1090 1014 0000 0712 1981 2874",
        "de89 3704 0044 0532 0130 00"}) {
    check_positive(v, "iban");
  }
  CHECK(found("IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX") ==
        Found{{"iban", "DE89 3704 0044 0532 0130 00"}});
  for (const char* v : {
           "DE89 3704 0044 0532 0130 01",  // checksum fails
           "DE88 3704 0044 0532 0130 00",  // wrong check digits
           "DE89 3704 0044 0532 0130 0",   // 21 characters, DE has 22
           "DE89370400440532013000X",      // longer than DE's length
           "ZZ89 3704 0044 0532 0130 00",  // no such country
           "DE89 37040044 0532013000",     // irregular grouping
           "XDE89370400440532013000",      // glued to a word
       }) {
    check_negative(v);
  }
}

TEST_CASE("US social security numbers", "[encode][redact]") {
  for (const char* v : {"078-05-1120", "123-45-6789", "219 09 9999", "665-12-3456", "899-99-9999"}) {
    check_positive(v, "ssn");
  }
  CHECK(found("SSN: 078051120") == Found{{"ssn", "078051120"}});
  CHECK(found("Social Security Number 219-09-9999") == Found{{"ssn", "219-09-9999"}});
  for (const char* v : {
           "000-12-3456",
           "666-12-3456",
           "900-12-3456",
           "999-45-6789",      // invalid area
           "123-00-4567",      // group 00
           "123-45-0000",      // serial 0000
           "123456789",        // plain 9 digits, no label
           "Order 078051120",  // ditto, with another word
           "SSN: 666051120",   // labelled but invalid area
           "123-45-67890",
           "1123-45-6789",
           "123-45-6789-1",
           "123-45 6789",
           "12-345-6789",
       }) {
    check_negative(v);
  }
}

TEST_CASE("IPv4 addresses", "[encode][redact]") {
  for (const char* v : {"192.168.1.1", "10.0.0.255", "8.8.8.8", "255.255.255.0", "0.0.0.0", "172.16.254.1"}) {
    check_positive(v, "ipv4");
  }
  CHECK(found("connect to 10.0.0.1:8080 now") == Found{{"ipv4", "10.0.0.1"}});
  CHECK(found("subnet 10.0.0.0/8.") == Found{{"ipv4", "10.0.0.0"}});
  CHECK(found("The server is 192.168.0.10.") == Found{{"ipv4", "192.168.0.10"}});
  // At a line start, only numbered-heading look-alikes (octets 1-99, then a title) are skipped.
  CHECK(found("10.0.0.1 Gateway") == Found{{"ipv4", "10.0.0.1"}});
  CHECK(found("192.168.1.1 Router") == Found{{"ipv4", "192.168.1.1"}});
  CHECK(found("8.8.8.8") == Found{{"ipv4", "8.8.8.8"}});
  CHECK(found("see 1.2.3.4 Scope") == Found{{"ipv4", "1.2.3.4"}});
  for (const char* v : {
           "256.1.1.1",
           "1.2.3.999",  // octet over 255
           "1.2.3.4.5",
           "x.1.2.3.4",
           "1.2.3.4.x",     // longer dotted runs
           "1.2.3",         // three parts
           "192.168.01.1",  // leading zero
           "v1.2.3.4",
           "version 1.2.3.4",
           "Version: 1.2.3.4",
           "ver. 1.2.3.4",
           "release 10.0.0.1",
           "Section 1.2.3.4",
           "\xC2\xA7 1.2.3.4",  // version and section numbers
           "1.200.200.100,00",  // European thousands grouping
           "10.0.0.1a",
           "1.2.3.4 Scope",
           "  2.1.10.3. Results",
           "intro\n3.1.4.1 Method",  // heading numbers
       }) {
    check_negative(v);
  }
}

TEST_CASE("phone numbers", "[encode][redact]") {
  for (const char* v :
       {"(555) 123-4567", "(555)123-4567", "555-123-4567", "555.123.4567", "555 123 4567", "1-800-555-0199",
        "+44 20 7946 0958", "+49 30 123456", "+1 555 123 4567", "+1-555-123-4567", "+44 (0)20 7946 0958",
        "+33 1 23 45 67 89", "+4930123456", "+49 30/123456"}) {
    check_positive(v, "phone");
  }
  // National formats only after a label; the label stays.
  CHECK(found("Tel: 030 123456") == Found{{"phone", "030 123456"}});
  CHECK(found("Tel.: 020 7946 0958") == Found{{"phone", "020 7946 0958"}});
  CHECK(found("Phone number: 01 23 45 67 89") == Found{{"phone", "01 23 45 67 89"}});
  CHECK(found("Fax (030) 123456") == Found{{"phone", "(030) 123456"}});
  CHECK(found("T\xC3\xA9l. : 01 23 45 67 89") == Found{{"phone", "01 23 45 67 89"}});
  CHECK(found("Mobile +49 171 1234567") == Found{{"phone", "+49 171 1234567"}});
  for (const char* v : {
           "12345",
           "123456789",
           "1234567",
           "5551234567",    // plain digit runs
           "555-1234",      // 7-digit local number
           "155-123-4567",  // area code cannot start with 1
           "555-123-45678",
           "555-123-4567-8",
           "555-123 4567",
           "2024-03-15",
           "03/15/2024",
           "15.03.2024",  // dates
           "Tel: 2024-03-15",
           "Fax: 15.03.2024",  // dates, even after a label
           "Tel: 12345",       // too short after a label
           "version 5.123.4567",
           "+3",
           "+10.5%",
           "1+23456789",
           "+0 123 456 789",
           "978-3-16-148410-0",
       }) {
    check_negative(v);
  }
}

TEST_CASE("dates of birth only after a label, date part only", "[encode][redact]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"DOB: 1980-02-01", "1980-02-01"},
      {"dob 01/02/1980", "01/02/1980"},
      {"Date of birth: 1 February 1980", "1 February 1980"},
      {"Date of Birth (MM/DD/YYYY): 02/01/1980", "02/01/1980"},
      {"D.O.B. February 1, 1980", "February 1, 1980"},
      {"D.O.B.: Feb. 1st, 1980", "Feb. 1st, 1980"},
      {"born on 1st Feb 1980 in Leeds", "1st Feb 1980"},
      {"Geburtsdatum: 01.02.1980", "01.02.1980"},
      {"geb. 1. Februar 1980", "1. Februar 1980"},
      {"n\xC3\xA9 le 3 mars 1975 \xC3\xA0 Lyon", "3 mars 1975"},
      {"N\xC3\x89"
       "E LE 1er f\xC3\xA9vrier 1980",
       "1er f\xC3\xA9vrier 1980"},
      {"Birth date - 12-31-99", "12-31-99"},
  };
  for (const auto& [text, date] : cases) {
    INFO(text);
    CHECK(found(text) == Found{{"dob", date}});
  }
  CHECK(redacted("DOB: 1980-02-01, Leeds") == "DOB: [DOB], Leeds");
  for (const char* v : {
           "Invoice date: 01/02/1980",
           "1 February 1980",
           "February 1, 1980",  // no label
           "born in 1980",
           "DOB: 32/13/1980",
           "DOB: 1980-13-01",
           "date of birth: unknown",
           "DOB: 1 Febuary 1980",
           "dobby 01/02/1980",
           "DOB: 01/02/1980/5",
       }) {
    check_negative(v);
  }
}

TEST_CASE("overlaps: one value, replaced once, stronger type wins", "[encode][redact]") {
  // Digits of an IBAN could be a card number; the IBAN wins.
  CHECK(found("DE89 3704 0044 0532 0130 00") == Found{{"iban", "DE89 3704 0044 0532 0130 00"}});
  // An address whose local part is a phone number: one email.
  CHECK(found("555-123-4567@example.com") == Found{{"email", "555-123-4567@example.com"}});
  // Labelled and unlabelled phone matches of the same number: one redaction.
  CHECK(redacted("Tel: +44 20 7946 0958") == "Tel: [PHONE]");
  // A labelled SSN is not also a phone number.
  CHECK(found("Phone: 123-45-6789") == Found{{"ssn", "123-45-6789"}});
  // Two adjacent values stay separate.
  CHECK(redacted("a@example.com,192.168.1.1") == "[EMAIL],[IPV4]");
}

TEST_CASE("a realistic paragraph: numbers that are not PII stay", "[encode][redact]") {
  const std::string text =
      "Order no. 123456789 was shipped on 2024-03-15 to 90210 Beverly Hills (ZIP 10115 for the Berlin "
      "office). Total $1,299.99, 3 items at 433.33 each; see page 12 of 40, table 4.2. Firmware "
      "version 2.4.1.7 fixes it (v1.2.3.4 did not). ISBN 978-3-16-148410-0, customer id 987654321, "
      "invoice 2024-000123, call-back on 03/15/2024 at 14:30. Tracking 1Z999AA10123456784, account "
      "00012345, serial 1234567812345670, room 1.2.3, the years 1999-2004, and 12.05.2024. Born in 1980, "
      "the client moved in 2001. The 555 customers called 1-2-3 times.";
  check_negative(text);
}

TEST_CASE("a realistic paragraph: each value found at its original position", "[encode][redact]") {
  const std::string text =
      "Contact Jane Roe (jane.roe@example.com, +44 20 7946 0958) about order 123456789. "
      "She paid with 4111 1111 1111 1111 from IBAN GB82 WEST 1234 5698 7654 32; SSN 078-05-1120; "
      "DOB: 1 February 1980; last login from 192.168.1.20 using version 1.2.3.4, ZIP 90210.";
  const RedactedText r = redact_text(text, kAll);
  CHECK(r.text ==
        "Contact Jane Roe ([EMAIL], [PHONE]) about order 123456789. "
        "She paid with [CARD] from IBAN [IBAN]; SSN [SSN]; "
        "DOB: [DOB]; last login from [IPV4] using version 1.2.3.4, ZIP 90210.");
  const Found expected = {{"email", "jane.roe@example.com"},
                          {"phone", "+44 20 7946 0958"},
                          {"card", "4111 1111 1111 1111"},
                          {"iban", "GB82 WEST 1234 5698 7654 32"},
                          {"ssn", "078-05-1120"},
                          {"dob", "1 February 1980"},
                          {"ipv4", "192.168.1.20"}};
  CHECK(found(text) == expected);
  for (std::size_t k = 1; k < r.matches.size(); ++k) {
    CHECK(r.matches[k - 1].offset_bytes + r.matches[k - 1].length_bytes <= r.matches[k].offset_bytes);
  }
}

TEST_CASE("UTF-8 around and inside values is never split", "[encode][redact]") {
  const std::string text =
      "M\xC3\xBCller \xE2\x80\x94 m\xC3\xBCller@ex\xC3\xA4mple.de \xC2\xB7 \xE2\x98\x8E (555) 123-4567 "
      "\xE2\x80\x9C"
      "4111 1111 1111 1111\xE2\x80\x9D IP\xC2\xA0"
      "10.1.2.3 \xF0\x9F\x98\x80";
  const RedactedText r = redact_text(text, kAll);
  CHECK(valid_utf8(r.text));
  CHECK(r.text ==
        "M\xC3\xBCller \xE2\x80\x94 [EMAIL] \xC2\xB7 \xE2\x98\x8E [PHONE] \xE2\x80\x9C[CARD]\xE2\x80\x9D "
        "IP\xC2\xA0[IPV4] \xF0\x9F\x98\x80");
  // A value glued to a letter of another script is part of a word: left alone.
  check_negative(
      "\xD0\x96"
      "192.168.1.1");
  check_negative("4111111111111111\xD0\x96");
  // Invalid UTF-8 passes through untouched and does not stop the scan.
  const std::string bad = "\xFF\xFE 192.168.1.1 \xC3";
  CHECK(redacted(bad) == "\xFF\xFE [IPV4] \xC3");
}

TEST_CASE("redact_page keeps char_confidences one per character", "[encode][redact]") {
  PageResult page;
  page.page_number = 3;
  TextLine first;
  first.text = "Zo\xC3\xAB: card 4111 1111 1111 1111 ok";  // 32 characters, 33 bytes
  for (std::size_t k = 0; k < n_chars(first.text); ++k) first.char_confidences.push_back(0.9f);
  first.char_confidences[15] = 0.4f;  // a character inside the card number
  first.char_confidences[1] = 0.7f;   // outside it
  first.confidence = 0.88f;
  TextLine second;
  second.text = "nothing here 12345";
  second.char_confidences.assign(n_chars(second.text), 0.95f);
  second.confidence = 0.95f;
  TextLine third;  // misaligned confidences (not one per character)
  third.text = "mail a@example.com";
  third.char_confidences = {0.5f, 0.6f};
  third.confidence = 0.55f;
  TextLine fourth;  // no per-character confidences at all
  fourth.text = "ip 10.0.0.1";
  fourth.confidence = 0.8f;
  TextLine fifth;  // multibyte characters before and inside the value
  fifth.text = "\xC3\xA0 andr\xC3\xA9@example.fr \xE2\x80\x94 ok";  // "à andré@example.fr — ok"
  for (std::size_t k = 0; k < n_chars(fifth.text); ++k) fifth.char_confidences.push_back(0.5f + 0.01f * k);
  fifth.char_confidences[6] = 0.2f;  // the "é" of andré
  fifth.confidence = 0.6f;
  page.lines = {first, second, third, fourth, fifth};
  page.text = "unchanged";

  const std::vector<Redaction> reds = redact_page(page, kAll);
  REQUIRE(reds.size() == 4);
  CHECK(reds[0].page_number == 3);
  CHECK(reds[0].line_index == 0);
  CHECK(reds[0].type == "card");
  CHECK(first.text.substr(reds[0].offset_bytes, reds[0].length_bytes) == "4111 1111 1111 1111");
  CHECK(reds[1].line_index == 2);
  CHECK(third.text.substr(reds[1].offset_bytes, reds[1].length_bytes) == "a@example.com");
  CHECK(reds[2].line_index == 3);
  CHECK(reds[2].type == "ipv4");

  const TextLine& l0 = page.lines[0];
  CHECK(l0.text == "Zo\xC3\xAB: card [CARD] ok");
  REQUIRE(l0.char_confidences.size() == n_chars(l0.text));
  CHECK(l0.char_confidences[1] == Approx(0.7f));  // before the value: kept
  for (std::size_t k = 10; k < 16; ++k) CHECK(l0.char_confidences[k] == Approx(0.4f));  // "[CARD]": min
  CHECK(l0.char_confidences[17] == Approx(0.9f));  // after the value: kept
  double sum = 0;
  for (float c : l0.char_confidences) sum += c;
  CHECK(l0.confidence == Approx(sum / l0.char_confidences.size()));

  CHECK(page.lines[1].text == second.text);
  CHECK(page.lines[1].char_confidences == second.char_confidences);
  CHECK(page.lines[2].text == "mail [EMAIL]");
  CHECK(page.lines[2].char_confidences == std::vector<float>(n_chars("mail [EMAIL]"), 0.55f));
  CHECK(page.lines[3].text == "ip [IPV4]");
  CHECK(page.lines[3].char_confidences.empty());
  CHECK(page.lines[3].confidence == Approx(0.8f));
  CHECK(reds[3].line_index == 4);
  CHECK(fifth.text.substr(reds[3].offset_bytes, reds[3].length_bytes) == "andr\xC3\xA9@example.fr");
  const TextLine& l4 = page.lines[4];
  CHECK(l4.text == "\xC3\xA0 [EMAIL] \xE2\x80\x94 ok");
  const std::vector<float> expected4 = {0.50f, 0.51f,                                  // "à "
                                        0.2f,  0.2f,  0.2f,  0.2f,  0.2f, 0.2f, 0.2f,  // [EMAIL]
                                        0.68f, 0.69f, 0.70f, 0.71f, 0.72f};            // " — ok"
  REQUIRE(l4.char_confidences.size() == expected4.size());
  for (std::size_t k = 0; k < expected4.size(); ++k) CHECK(l4.char_confidences[k] == Approx(expected4[k]));
  CHECK(page.text == "unchanged");

  PageResult untouched = page;
  CHECK(redact_page(untouched, parse_redact_types("")).empty());
  CHECK(untouched.lines[1].text == page.lines[1].text);
}

TEST_CASE("random mixtures: matches are consistent with the rebuilt text", "[encode][redact]") {
  const std::vector<std::string> pieces = {"4111 1111 1111 1111",
                                           "DE89 3704 0044 0532 0130 00",
                                           "078-05-1120",
                                           "192.168.1.1",
                                           "a.b@example.com",
                                           "+44 20 7946 0958",
                                           "(555) 123-4567",
                                           "DOB: ",
                                           "01/02/1980",
                                           "1 February 1980",
                                           "Tel: ",
                                           "030 123456",
                                           "SSN ",
                                           "123456789",
                                           "12345",
                                           "2024-03-15",
                                           "v",
                                           "1.2.3.4",
                                           "1",
                                           "12",
                                           "4111",
                                           "0",
                                           " ",
                                           " ",
                                           "-",
                                           ".",
                                           "/",
                                           ",",
                                           "\n",
                                           "@",
                                           "+",
                                           "(",
                                           ")",
                                           ":",
                                           "a",
                                           "x",
                                           "\xC3\xA9",
                                           "\xE2\x80\x94",
                                           "\xF0\x9F\x98\x80",
                                           "\xC2\xA0",
                                           "\xD0\x96",
                                           "version ",
                                           "born on ",
                                           "n\xC3\xA9 le "};
  std::mt19937 rng(12345);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(1, 30);
  std::size_t n_matches = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    for (int k = length(rng); k > 0; --k) text += pieces[pick(rng)];
    INFO("text: " << text);
    const RedactedText r = redact_text(text, kAll);
    std::string rebuilt;
    std::size_t p = 0;
    for (const PiiMatch& m : r.matches) {
      REQUIRE(m.offset_bytes >= p);
      REQUIRE(m.length_bytes > 0);
      REQUIRE(m.offset_bytes + m.length_bytes <= text.size());
      CHECK((static_cast<unsigned char>(text[m.offset_bytes]) & 0xC0) != 0x80);
      if (m.offset_bytes + m.length_bytes < text.size()) {
        CHECK((static_cast<unsigned char>(text[m.offset_bytes + m.length_bytes]) & 0xC0) != 0x80);
      }
      rebuilt += text.substr(p, m.offset_bytes - p);
      rebuilt += pii_placeholder(m.type);
      p = m.offset_bytes + m.length_bytes;
    }
    rebuilt += text.substr(p);
    CHECK(rebuilt == r.text);
    CHECK(valid_utf8(r.text));
    n_matches += r.matches.size();
    // A subset of types finds a subset of the matches' types.
    for (const PiiMatch& m : redact_text(text, parse_redact_types("card,ipv4")).matches) {
      CHECK((m.type == PiiType::kCard || m.type == PiiType::kIpv4));
    }
  }
  CHECK(n_matches > 1000);  // the mixtures do contain values
}

TEST_CASE("random sequences of values and non-values redact independently", "[encode][redact]") {
  // Each unit and its redaction; units are joined by separators that end any value.
  const std::vector<std::pair<std::string, std::string>> units = {
      {"4111 1111 1111 1111", "[CARD]"},
      {"3782 822463 10005", "[CARD]"},
      {"GB82 WEST 1234 5698 7654 32", "[IBAN]"},
      {"078-05-1120", "[SSN]"},
      {"192.168.1.1", "[IPV4]"},
      {"jane.roe@example.com", "[EMAIL]"},
      {"+49 30 123456", "[PHONE]"},
      {"555-123-4567", "[PHONE]"},
      {"DOB: 01/02/1980", "DOB: [DOB]"},
      {"Tel: 030 123456", "Tel: [PHONE]"},
      {"SSN 078051120", "SSN [SSN]"},
      {"12345", "12345"},
      {"123456789", "123456789"},
      {"2024-03-15", "2024-03-15"},
      {"version 1.2.3.4", "version 1.2.3.4"},
      {"978-3-16-148410-0", "978-3-16-148410-0"},
      {"4111 1111 1111 1112", "4111 1111 1111 1112"},
      {"$1,299.99", "$1,299.99"},
      {"M\xC3\xBCller", "M\xC3\xBCller"},
      {"\xE2\x98\x8E", "\xE2\x98\x8E"},
  };
  const std::vector<std::string> separators = {" ; ", ", ", " | ", "\n", " \xE2\x80\x94 ", " and "};
  std::mt19937 rng(777);
  std::uniform_int_distribution<std::size_t> pick_unit(0, units.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_sep(0, separators.size() - 1);
  std::uniform_int_distribution<int> length(1, 12);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    std::string expected;
    for (int k = length(rng); k > 0; --k) {
      const auto& [unit, out] = units[pick_unit(rng)];
      const std::string& sep = separators[pick_sep(rng)];
      text += unit + sep;
      expected += out + sep;
    }
    INFO("text: " << text);
    const std::string out = redacted(text);
    CHECK(out == expected);
    CHECK(redacted(out) == out);
  }
}

TEST_CASE("adversarial inputs take linear time", "[encode][redact]") {
  std::vector<std::string> inputs;
  std::string s;
  for (int k = 0; k < 200000; ++k) s += "1 ";
  inputs.push_back(s);
  s.clear();
  for (int k = 0; k < 200000; ++k) s += "1-";
  inputs.push_back(s);
  inputs.push_back(std::string(400000, '7'));
  s.clear();
  for (int k = 0; k < 100000; ++k) s += "a@a.";
  inputs.push_back(s);
  s.clear();
  for (int k = 0; k < 50000; ++k) s += "tel ( DOB ";
  inputs.push_back(s);
  inputs.push_back(std::string(400000, 'a') + "@example.com");
  for (const std::string& in : inputs) {
    const auto t0 = std::chrono::steady_clock::now();
    const RedactedText r = redact_text(in, kAll);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO("input starts " << in.substr(0, 12) << ", " << in.size() << " bytes");
    CHECK(seconds < 2.0);  // linear: milliseconds; quadratic: minutes
  }
}
