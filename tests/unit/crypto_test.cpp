// Crypto helpers against published vectors, encodings with malformed input, signed values,
// session tokens, Stripe signatures and cookie parsing.

#include <gtest/gtest.h>

#include <ignis/http/cookies.hpp>
#include <ignis/http/crypto.hpp>
#include <ignis/http/session.hpp>
#include <ignis/http/webhook.hpp>

#include <chrono>
#include <random>
#include <set>

using namespace ignis;
using namespace std::chrono_literals;

namespace {

std::string hex_of(const crypto::Digest& d) { return crypto::hex(std::span<const std::uint8_t>(d)); }

TEST(Crypto, Sha256Vectors) {
  EXPECT_EQ(hex_of(crypto::sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of(crypto::sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  crypto::Sha256 h;
  h.update("a");
  h.update("");
  h.update("bc");
  EXPECT_EQ(hex_of(h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  h.update("abc");  // starts over after finish()
  EXPECT_EQ(hex_of(h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256Rfc4231) {
  EXPECT_EQ(hex_of(crypto::hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex_of(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex_of(crypto::hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  crypto::HmacSha256 mac("Jefe");
  mac.update("what do ya want ");
  mac.update("for nothing?");
  EXPECT_EQ(hex_of(mac.finish()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  mac.update("what do ya want for nothing?");  // the same key again after finish()
  EXPECT_EQ(hex_of(mac.finish()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NO_THROW(crypto::hmac_sha256("", "empty key"));
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(crypto::constant_time_equal("", ""));
  EXPECT_TRUE(crypto::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "ab"));
  EXPECT_FALSE(crypto::constant_time_equal("", "a"));
}

TEST(Crypto, HexRoundTripsAndRejectsJunk) {
  EXPECT_EQ(crypto::hex(std::string_view("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(crypto::from_hex("0001ABff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(crypto::from_hex(""), "");
  for (std::string_view bad : {"0", "abc", "zz", "0g", " 00", "00 "}) EXPECT_FALSE(crypto::from_hex(bad)) << bad;
}

TEST(Crypto, Base64UrlRoundTripsAndRejectsJunk) {
  EXPECT_EQ(crypto::base64url(std::string_view("\xfb\xff\xfe")), "-__-");
  EXPECT_EQ(crypto::base64url(std::string_view("ada")), "YWRh");
  EXPECT_EQ(crypto::base64url(std::string_view("ab")), "YWI");
  EXPECT_EQ(crypto::base64url(std::string_view("")), "");
  EXPECT_EQ(crypto::from_base64url("YWI"), "ab");
  EXPECT_EQ(crypto::from_base64url("-__-"), "\xfb\xff\xfe");
  for (std::string_view bad : {"Y", "YWI=", "YW+h", "YW/h", "YW h", "YWJ", "Y\x80Wh"})
    EXPECT_FALSE(crypto::from_base64url(bad)) << bad;
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string text = crypto::base64url(bytes);
    EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
    EXPECT_EQ(crypto::from_base64url(text), bytes);
  }
}

TEST(Crypto, RandomTokensDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(crypto::random_token());
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(crypto::random_token().size(), 43u);
}

TEST(Signer, SignsAndRefusesTampering) {
  Signer signer("s3cret");
  const std::string token = signer.sign("user-42", "session");
  EXPECT_EQ(signer.unsign(token, "session"), "user-42");
  EXPECT_FALSE(signer.unsign(token, "other"));  // bound to its purpose
  EXPECT_FALSE(Signer("other").unsign(token, "session"));
  std::string changed = token;
  changed[0] = 'v';
  EXPECT_FALSE(signer.unsign(changed, "session"));
  std::string bad_sig = token;
  bad_sig.back() = bad_sig.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer.unsign(bad_sig, "session"));
  for (std::string_view junk : {"", ".", "user-42", "user-42.", ".abc"}) EXPECT_FALSE(signer.unsign(junk, "session")) << junk;
  EXPECT_EQ(signer.unsign(signer.sign("a.b.c")), "a.b.c");  // dots inside the value are fine
  EXPECT_THROW(Signer(""), std::invalid_argument);
}

TEST(Sessions, TokensCarryDataAndExpire) {
  Sessions sessions("secret", {.max_age = 60s});
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  const std::string token = sessions.issue("ada; \"admin\"=1", t0);
  EXPECT_EQ(token.find_first_of(" ;\",\\"), std::string::npos);  // cookie-safe whatever the data
  EXPECT_EQ(sessions.verify(token, t0 + 59s), "ada; \"admin\"=1");
  EXPECT_FALSE(sessions.verify(token, t0 + 60s));  // expired
  EXPECT_FALSE(Sessions("other").verify(token, t0));
  // Moving the expiry forward breaks the signature.
  std::string extended = token;
  const std::size_t dot = extended.find('.');
  extended.replace(dot + 1, 10, "1999999999");
  EXPECT_FALSE(sessions.verify(extended, t0));
  EXPECT_FALSE(sessions.verify("", t0));
  EXPECT_FALSE(sessions.verify("a.b", t0));
}

TEST(StripeSignature, AcceptsTheRightSignatureOnly) {
  const std::string payload = R"({"type":"payment_intent.succeeded"})";
  const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  // Computed independently (Python's hmac module).
  const std::string header = "t=1700000000,v1=a918da27442ada23a81bf0ac2f31111d9586acba6c887ff758d43930c445ea41";
  EXPECT_EQ(stripe_signature_header(payload, "whsec_test", 1'700'000'000), header);
  EXPECT_EQ(verify_stripe_signature(header, payload, "whsec_test", 300s, at), SignatureCheck::valid);
  EXPECT_EQ(verify_stripe_signature(header, payload, "whsec_test", 300s, at + 300s), SignatureCheck::valid);
  EXPECT_EQ(verify_stripe_signature(header, payload, "whsec_test", 300s, at + 301s), SignatureCheck::expired);
  EXPECT_EQ(verify_stripe_signature(header, payload, "whsec_test", 300s, at - 301s), SignatureCheck::expired);
  EXPECT_EQ(verify_stripe_signature(header, payload + " ", "whsec_test", 300s, at), SignatureCheck::mismatch);
  EXPECT_EQ(verify_stripe_signature(header, payload, "whsec_other", 300s, at), SignatureCheck::mismatch);
  EXPECT_EQ(verify_stripe_signature(std::nullopt, payload, "whsec_test", 300s, at), SignatureCheck::missing);
  // Several v1 (a secret being rolled), spaces, and a v0 are fine.
  EXPECT_EQ(verify_stripe_signature("t=1700000000, v1=00ff, v0=abc, v1=a918da27442ada23a81bf0ac2f31111d9586acba6c887ff758d43930c445ea41",
                                    payload, "whsec_test", 300s, at),
            SignatureCheck::valid);
  for (std::string_view bad : {"", "t=", "v1=abc", "t=abc,v1=00", "t=1700000000", "t=17x,v1=00", "garbage"})
    EXPECT_EQ(verify_stripe_signature(bad, payload, "whsec_test", 300s, at), SignatureCheck::malformed) << bad;
  // A timestamp from another request with this request's body does not verify.
  EXPECT_EQ(verify_stripe_signature("t=1700000001,v1=a918da27442ada23a81bf0ac2f31111d9586acba6c887ff758d43930c445ea41",
                                    payload, "whsec_test", 300s, at),
            SignatureCheck::mismatch);
  EXPECT_EQ(verify_stripe_signature("t=-9223372036854775808,v1=00", payload, "whsec_test", 300s, at),
            SignatureCheck::mismatch);
}

TEST(Cookies, ParsesTheCookieHeaderLeniently) {
  const HeaderField fields[] = {{"Cookie", "a=1; b = two ;c=\"quoted\"; flag; =novalue; d=x=y"}, {"cookie", "e=5"}};
  RequestCookies cookies{RequestHeaders(fields)};
  EXPECT_EQ(cookies.get("a"), "1");
  EXPECT_EQ(cookies.get("b"), "two");
  EXPECT_EQ(cookies.get("c"), "quoted");
  EXPECT_EQ(cookies.get("d"), "x=y");
  EXPECT_EQ(cookies.get("e"), "5");
  EXPECT_FALSE(cookies.get("flag"));
  EXPECT_FALSE(cookies.get("missing"));
}

TEST(Cookies, SetCookieAttributesAndRefusals) {
  EXPECT_EQ(format_set_cookie("session", "abc",
                              {.path = "/", .domain = "example.com", .max_age = 604800,
                               .expires = std::chrono::system_clock::time_point(std::chrono::seconds(0)),
                               .http_only = true, .secure = true, .same_site = SameSite::strict}),
            "session=abc; Path=/; Domain=example.com; Max-Age=604800; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; "
            "Secure; SameSite=Strict");
  EXPECT_EQ(format_set_cookie("a", "", {.same_site = SameSite::none}), "a=; Path=/; Secure; SameSite=None");
  EXPECT_THROW(format_set_cookie("bad name", "v", {}), std::invalid_argument);
  EXPECT_THROW(format_set_cookie("n", "v;x", {}), std::invalid_argument);
  EXPECT_THROW(format_set_cookie("n", "v", {.path = "/;x"}), std::invalid_argument);
}

TEST(Cookies, SignedCookiesRoundTrip) {
  Signer signer("k");
  ResponseHeaders out;
  ResponseCookies(out).set_signed("prefs", "dark", signer, {.http_only = true});
  const std::string line(*out.get("set-cookie"));
  const std::string value = line.substr(6, line.find(';') - 6);  // after "prefs="
  const std::string header = "prefs=" + value;
  const HeaderField fields[] = {{"Cookie", header}};
  EXPECT_EQ(RequestCookies{RequestHeaders(fields)}.get_signed("prefs", signer), "dark");
  const std::string tampered = "prefs=light" + value.substr(4);
  const HeaderField bad[] = {{"Cookie", tampered}};
  EXPECT_FALSE(RequestCookies{RequestHeaders(bad)}.get_signed("prefs", signer));
  const std::string renamed = "other=" + value;
  const HeaderField moved[] = {{"Cookie", renamed}};
  EXPECT_FALSE(RequestCookies{RequestHeaders(moved)}.get_signed("other", signer));
}

}  // namespace
