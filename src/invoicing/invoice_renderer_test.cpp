#include "invoicing/invoice_renderer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/gzip.h"
#include "domain/masking.h"
#include "invoicing/kainjow_reference.h"

namespace tr1l::invoicing {
namespace {

using domain::Bill;
using domain::LineKind;
using domain::Won;

// ---------------------------------------------------------------------------------------------
// Fixtures: three bills whose figures add up as SPEC §4 computes them.

Bill make_bill(domain::YearMonth month, domain::UserId user_id, std::string plan_name,
               std::vector<domain::BillLine> lines) {
  Bill bill;
  bill.month = month;
  bill.user_id = user_id;
  bill.plan_name = std::move(plan_name);
  bill.lines = std::move(lines);
  for (const domain::BillLine& line : bill.lines) {
    switch (line.kind) {
      case LineKind::Plan: bill.plan_charge += line.amount; break;
      case LineKind::ExcessData: bill.excess_data += line.amount; break;
      case LineKind::AddOn: bill.add_ons += line.amount; break;
      case LineKind::ContractDiscount: bill.contract_discount += line.amount; break;
      case LineKind::MilitaryDiscount: bill.military_discount += line.amount; break;
      case LineKind::WelfareDiscount: bill.welfare_discount += line.amount; break;
    }
  }
  bill.subtotal = bill.plan_charge + bill.excess_data + bill.add_ons;
  bill.total = std::max(Won(0), bill.subtotal - bill.total_discount());
  bill.supply_value = Won(bill.total.amount() * 10 / 11);
  bill.vat = bill.total - bill.supply_value;
  return bill;
}

// SPEC §4's worked example: total 24,731 (supply 22,482, VAT 2,249).
Bill worked_example() {
  return make_bill({2026, 10}, 12345, "(LTE) 데이터 33",
                   {{LineKind::Plan, "PLN-043", "(LTE) 데이터 33", Won(33000)},
                    {LineKind::ExcessData, "", "데이터 초과 사용료", Won(632)},
                    {LineKind::AddOn, "OPT-0003", "넷플릭스", Won(6500)},
                    {LineKind::AddOn, "OPT-0006", "티빙", Won(4950)},
                    {LineKind::ContractDiscount, "", "선택약정 할인", Won(8250)},
                    {LineKind::MilitaryDiscount, "", "현역병사 할인", Won(4950)},
                    {LineKind::WelfareDiscount, "WLF-03", "국가 유공자 할인", Won(7151)}});
}

// December: the default due date falls in the next year.
Bill no_discounts() {
  return make_bill({2026, 12}, 42, "5G 스탠다드",
                   {{LineKind::Plan, "PLN-002", "5G 스탠다드", Won(75000)},
                    {LineKind::AddOn, "OPT-0002", "디즈니+", Won(9405)}});
}

// Every line kind, an add-on whose catalogue name holds '&', a 12-month contract, soldier,
// welfare with a cap.
Bill every_line_kind() {
  return make_bill({2027, 2}, 987654321, "(LTE) 데이터 33",
                   {{LineKind::Plan, "PLN-043", "(LTE) 데이터 33", Won(33000)},
                    {LineKind::ExcessData, "", "데이터 초과 사용료", Won(2062)},
                    {LineKind::AddOn, "OPT-0001", "V컬러링", Won(3135)},
                    {LineKind::AddOn, "OPT-0002", "디즈니+", Won(9405)},
                    {LineKind::AddOn, "OPT-0005", "GS칼텍스 주유세차권&차량정비서비스", Won(5900)},
                    {LineKind::AddOn, "OPT-0003", "넷플릭스", Won(6500)},
                    {LineKind::ContractDiscount, "", "선택약정 할인", Won(8250)},
                    {LineKind::MilitaryDiscount, "", "현역병사 할인", Won(4950)},
                    {LineKind::WelfareDiscount, "WLF-04", "기초 생활 수급자 할인", Won(7651)}});
}

InvoiceSettings custom_settings() {
  InvoiceSettings settings;
  settings.due_date = {2027, 3, 20};
  settings.support_phone = "1588-0010";
  settings.support_email = "help@tr1l.example";
  return settings;
}

const InvoiceRenderer& renderer() {
  static const InvoiceRenderer instance;
  return instance;
}

RenderedInvoice render(const Bill& bill, const InvoiceSubject& subject) {
  return renderer().render(bill, subject, default_invoice_settings(bill.month));
}

RenderedInvoice render_worked_example(const InvoiceSubject& subject = {"김민준", "010-1234-5678"}) {
  return render(worked_example(), subject);
}

// ---------------------------------------------------------------------------------------------
// Golden files. To accept a deliberate change, run with TR1L_UPDATE_GOLDEN=1, then look at the
// rewritten files (and a screenshot of the HTML) before committing them.

std::string golden_path(const std::string& name) {
  return std::string(TR1L_SOURCE_DIR) + "/src/invoicing/testdata/" + name;
}

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = golden_path(name);
  if (std::getenv("TR1L_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    std::cout << "rewrote " << path << "\n";
    return;
  }
  std::ifstream file(path, std::ios::binary);
  ASSERT_TRUE(file) << "missing golden file " << path << " (TR1L_UPDATE_GOLDEN=1 writes it)";
  std::ostringstream expected;
  expected << file.rdbuf();
  if (expected.str() == actual) return;
  // Point at the first differing line: a whole-document diff of a 6 KB e-mail is unreadable.
  std::istringstream expected_lines(expected.str());
  std::istringstream actual_lines(actual);
  std::string expected_line;
  std::string actual_line;
  for (int line = 1;; ++line) {
    const bool more_expected = static_cast<bool>(std::getline(expected_lines, expected_line));
    const bool more_actual = static_cast<bool>(std::getline(actual_lines, actual_line));
    if (!more_expected && !more_actual) break;
    if (more_expected != more_actual || expected_line != actual_line) {
      ADD_FAILURE() << name << " differs from its golden file at line " << line << "\n  golden:   "
                    << (more_expected ? expected_line : "<end>") << "\n  rendered: "
                    << (more_actual ? actual_line : "<end>");
      return;
    }
  }
  ADD_FAILURE() << name << " differs from its golden file in line endings";
}

TEST(InvoiceRendererGolden, WorkedExample) {
  const RenderedInvoice invoice = render_worked_example();
  expect_golden("worked_example.email.html", invoice.email_html);
  expect_golden("worked_example.sms.txt", invoice.sms_text);
}

TEST(InvoiceRendererGolden, NoDiscounts) {
  const RenderedInvoice invoice = render(no_discounts(), {"이준", "01098765432"});
  expect_golden("no_discounts.email.html", invoice.email_html);
  expect_golden("no_discounts.sms.txt", invoice.sms_text);
}

TEST(InvoiceRendererGolden, EveryLineKindHostileNameNoPhoneCustomSettings) {
  const RenderedInvoice invoice = renderer().render(every_line_kind(), {"O'Brien & <Kim>", std::nullopt}, custom_settings());
  expect_golden("every_line_kind.email.html", invoice.email_html);
  expect_golden("every_line_kind.sms.txt", invoice.sms_text);
}

// ---------------------------------------------------------------------------------------------
// The precompiled templates render what the reference mustache implementation renders.

// kainjow leaves a blank line where a section tag stood alone on a line that it skipped; the
// mustache specification (and CompiledTemplate) removes the line. Nothing else may differ.
std::string without_blank_lines(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::string result;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) result += line + "\n";
  }
  return result;
}

TEST(InvoiceRenderer, RendersWhatKainjowMustacheRenders) {
  KainjowReference email(renderer().email_template());
  KainjowReference sms(renderer().sms_template());
  struct Case {
    Bill bill;
    InvoiceSubject subject;
    InvoiceSettings settings;
  };
  const std::vector<Case> cases = {
      {worked_example(), {"김민준", "010-1234-5678"}, default_invoice_settings(worked_example().month)},
      {no_discounts(), {"이준", "01098765432"}, default_invoice_settings(no_discounts().month)},
      {every_line_kind(), {"O'Brien & <Kim>", std::nullopt}, custom_settings()},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.bill.user_id);
    const RenderedInvoice invoice = renderer().render(test.bill, test.subject, test.settings);
    const std::string reference_html =
        email.render(InvoiceRenderer::email_schema(), renderer().email_values(test.bill, test.subject, test.settings));
    EXPECT_EQ(without_blank_lines(invoice.email_html), without_blank_lines(reference_html));
    std::string reference_sms =
        sms.render(InvoiceRenderer::sms_schema(), renderer().sms_values(test.bill, test.subject, test.settings));
    while (!reference_sms.empty() && reference_sms.back() == '\n') reference_sms.pop_back();
    // The third customer's SMS is too long with the full mask and is shortened (tested below).
    if (test.bill.user_id != every_line_kind().user_id) {
      EXPECT_EQ(invoice.sms_text, reference_sms);
    }
  }
}

TEST(InvoiceRenderer, TemplatesBuiltIntoTheBinaryAreTheFilesInTheSourceTree) {
  const InvoiceRenderer from_directory(std::filesystem::path(TR1L_SOURCE_DIR) / "templates");
  EXPECT_EQ(from_directory.email_template(), renderer().email_template());
  EXPECT_EQ(from_directory.sms_template(), renderer().sms_template());
  const Bill bill = worked_example();
  const InvoiceSubject subject{"김민준", "010-1234-5678"};
  EXPECT_EQ(from_directory.render(bill, subject, default_invoice_settings(bill.month)).email_html,
            render_worked_example().email_html);
  EXPECT_THROW(InvoiceRenderer(std::filesystem::path("/nonexistent/templates")), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Personal data: masked, escaped, never raw.

TEST(InvoiceRenderer, HostileNamesAppearOnlyMaskedAndEscaped) {
  struct Case {
    std::string name;
    std::string shown;  // the masked name as it must appear in the HTML
  };
  const std::vector<Case> cases = {
      {"O'Brien & <Kim>", "O*************&gt;"},
      {"<Kim & Lee>", "&lt;*********&gt;"},
      {"'Quoted\"", "&#39;******&quot;"},
      {"<script>alert(1)</script>", "&lt;***********************&gt;"},
      {"&Kim&", "&amp;***&amp;"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.name);
    const RenderedInvoice invoice = render_worked_example({test.name, "010-1234-5678"});
    EXPECT_EQ(invoice.email_html.find(test.name), std::string::npos);
    EXPECT_NE(invoice.email_html.find("<b>" + test.shown + "</b> 고객님"), std::string::npos);
    EXPECT_EQ(invoice.email_html.find("<script"), std::string::npos);
    EXPECT_EQ(invoice.sms_text.find(test.name), std::string::npos);
  }
}

TEST(InvoiceRenderer, ShortNamesKeepOnlyTheirFirstCharacter) {
  const RenderedInvoice two = render_worked_example({"이준", "010-1234-5678"});
  EXPECT_NE(two.email_html.find("<b>이*</b> 고객님"), std::string::npos);
  EXPECT_EQ(two.email_html.find("이준"), std::string::npos);
  EXPECT_EQ(two.sms_text.rfind("[TR1L] 이*님 ", 0), 0u);
  const RenderedInvoice one = render_worked_example({"김", "010-1234-5678"});
  EXPECT_NE(one.email_html.find("<b>*</b> 고객님"), std::string::npos);
  const RenderedInvoice four = render_worked_example({"남궁민수", "010-1234-5678"});
  EXPECT_NE(four.email_html.find("<b>남**수</b> 고객님"), std::string::npos);
  EXPECT_EQ(four.email_html.find("남궁"), std::string::npos);
}

TEST(InvoiceRenderer, PlanAndLineNamesAreEscaped) {
  Bill bill = worked_example();
  bill.plan_name = "5G <Special> & \"Plan\"";
  bill.lines[0].name = bill.plan_name;
  const std::string html = render(bill, {"김민준", "010-1234-5678"}).email_html;
  EXPECT_EQ(html.find("<Special>"), std::string::npos);
  EXPECT_NE(html.find("5G &lt;Special&gt; &amp; &quot;Plan&quot;"), std::string::npos);
  const std::string every = render(every_line_kind(), {"김민준", std::nullopt}).email_html;
  EXPECT_NE(every.find("GS칼텍스 주유세차권&amp;차량정비서비스"), std::string::npos);
}

TEST(InvoiceRenderer, PhoneShowsOnlyItsLastFourDigits) {
  for (const std::string phone : {"010-9137-2468", "01091372468", " 010 9137 2468 "}) {
    SCOPED_TRACE(phone);
    const RenderedInvoice invoice = render_worked_example({"김민준", phone});
    EXPECT_NE(invoice.email_html.find(">010-****-2468<"), std::string::npos);
    EXPECT_EQ(invoice.email_html.find("9137"), std::string::npos);
    EXPECT_EQ(invoice.sms_text.find("9137"), std::string::npos);
    EXPECT_EQ(invoice.sms_text.find("2468"), std::string::npos);  // the SMS goes to that phone anyway
  }
}

TEST(InvoiceRenderer, NoPhoneRowWithoutAPhone) {
  EXPECT_EQ(render_worked_example({"김민준", std::nullopt}).email_html.find(">전화번호<"), std::string::npos);
  EXPECT_EQ(render_worked_example({"김민준", "  "}).email_html.find(">전화번호<"), std::string::npos);
  EXPECT_NE(render_worked_example({"김민준", "010-1234-5678"}).email_html.find(">전화번호<"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// What the e-mail says and how.

TEST(InvoiceRenderer, EmailIsAProperKoreanHtmlEmail) {
  const std::string html = render_worked_example().email_html;
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"ko\">\n", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("max-width:600px"), std::string::npos);
  EXPECT_NE(html.find("role=\"presentation\""), std::string::npos);
  // Mail clients strip style blocks and external style sheets: everything must be inline.
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("{{"), std::string::npos);
  for (const char* label : {"청구서 번호", "계정 요약", "고객명", "전화번호", "요금제", "청구년월", "이번 달 총 청구 금액",
                            "요금 상세 내역", "기본 요금", "부가 요금", "할인", "소계", "총 할인", "공급가액", "부가세",
                            "최종 청구 금액", "납부 기한", "고객지원", "본 메일은 발신 전용입니다"}) {
    EXPECT_NE(html.find(label), std::string::npos) << label;
  }
}

TEST(InvoiceRenderer, EmailCarriesTheBillsFigures) {
  const std::string html = render_worked_example().email_html;
  for (const char* text : {">TR1L-202610-000012345<", ">(LTE) 데이터 33<", ">2026년 10월<", ">2026년 11월 25일<",
                           ">₩33,000<", ">₩632<", ">₩6,500<", ">₩4,950<", ">₩45,082<", ">-₩20,351<", ">₩22,482<",
                           ">₩2,249<", ">₩24,731<", "style=\"padding:5px 16px;color:#d9480f\">-₩20,351<", ">114<", ">support@tr1l.example<", "href=\"mailto:support@tr1l.example\""}) {
    EXPECT_NE(html.find(text), std::string::npos) << text;
  }
}

TEST(InvoiceRenderer, TotalIsHighlighted) {
  const std::string html = render_worked_example().email_html;
  const std::regex highlighted("이번 달 총 청구 금액</b><br>\\s*<b style=\"font-size:36px;[^\"]*\">₩24,731</b>");
  EXPECT_TRUE(std::regex_search(html, highlighted));
  EXPECT_NE(html.find("bgcolor=\"#eef3ff\""), std::string::npos);
}

TEST(InvoiceRenderer, DiscountLinesAreSubtractions) {
  const std::string html = render_worked_example().email_html;
  for (const char* line : {"선택약정 할인</td><td align=\"right\" style=\"color:#d9480f\">-₩8,250<",
                           "현역병사 할인</td><td align=\"right\" style=\"color:#d9480f\">-₩4,950<",
                           "국가 유공자 할인</td><td align=\"right\" style=\"color:#d9480f\">-₩7,151<"}) {
    EXPECT_NE(html.find(line), std::string::npos) << line;
  }
}

TEST(InvoiceRenderer, WithoutDiscountsThereIsNoDiscountGroupAndTotalDiscountIsZero) {
  const std::string html = render(no_discounts(), {"이준", std::nullopt}).email_html;
  EXPECT_EQ(html.find(">할인<"), std::string::npos);
  EXPECT_EQ(html.find("-₩"), std::string::npos);
  // Nothing subtracted: "₩0" in the ordinary colour, not the discount colour.
  EXPECT_NE(html.find("총 할인</td><td align=\"right\" style=\"padding:5px 16px\">₩0<"), std::string::npos);
  EXPECT_NE(html.find(">2027년 1월 25일<"), std::string::npos);
}

TEST(InvoiceRenderer, WithoutChargesOtherThanThePlanThereIsNoAdditionalGroup) {
  const Bill bill = make_bill({2026, 10}, 7, "5G 스탠다드", {{LineKind::Plan, "PLN-002", "5G 스탠다드", Won(75000)}});
  const std::string html = render(bill, {"김민준", std::nullopt}).email_html;
  EXPECT_EQ(html.find("부가 요금"), std::string::npos);
  EXPECT_NE(html.find("기본 요금"), std::string::npos);
}

TEST(InvoiceRenderer, DueDateDefaultsToThe25thOfTheFollowingMonth) {
  EXPECT_EQ(default_due_date({2026, 10}), (domain::Date{2026, 11, 25}));
  EXPECT_EQ(default_due_date({2026, 12}), (domain::Date{2027, 1, 25}));
  const InvoiceSettings settings = default_invoice_settings({2026, 1});
  EXPECT_EQ(settings.due_date, (domain::Date{2026, 2, 25}));
  EXPECT_EQ(settings.support_phone, "114");
  EXPECT_EQ(settings.support_email, "support@tr1l.example");
  EXPECT_EQ(settings.brand, "TR1L");
}

TEST(InvoiceRenderer, InvoiceNumberIsBrandMonthAndPaddedUserId) {
  EXPECT_EQ(invoice_number("TR1L", {2026, 10}, 12345), "TR1L-202610-000012345");
  EXPECT_EQ(invoice_number("TR1L", {2027, 1}, 0), "TR1L-202701-000000000");
  EXPECT_EQ(invoice_number("TR1L", {2026, 10}, 9'223'372'036'854'775'807), "TR1L-202610-9223372036854775807");
}

// ---------------------------------------------------------------------------------------------
// The SMS.

TEST(InvoiceRenderer, SmsCarriesBrandNameMonthAmountDueDateAndSupport) {
  const std::string sms = render_worked_example().sms_text;
  EXPECT_EQ(sms, "[TR1L] 김*준님 2026년 10월 청구서\n청구금액 24,731원\n납부기한 2026.11.25\n문의 114");
  EXPECT_LE(euc_kr_length(sms), kSmsByteLimit);
  EXPECT_EQ(sms.find('&'), std::string::npos);  // plain text: nothing HTML-escaped
}

TEST(InvoiceRenderer, SmsIsPlainTextNotHtmlEscaped) {
  InvoiceSettings settings = default_invoice_settings({2026, 10});
  settings.brand = "T&L";
  const std::string sms = renderer().render(worked_example(), {"<김민준>", std::nullopt}, settings).sms_text;
  EXPECT_EQ(sms.rfind("[T&L] <***>님 ", 0), 0u);
}

TEST(InvoiceRenderer, SmsFitsNinetyBytesWithLargeAmountsLongPlansAndLongNames) {
  Bill bill = make_bill({2026, 12}, 12345, std::string(60, 'P') + " 무제한 프리미엄 플러스 요금제",
                        {{LineKind::Plan, "PLN-999", "아주 긴 이름의 무제한 프리미엄 플러스 요금제 (가족 결합)", Won(12'000'000)},
                         {LineKind::AddOn, "OPT-999", "부가 서비스", Won(345'678)}});
  ASSERT_EQ(bill.total, Won(12'345'678));
  InvoiceSettings settings = default_invoice_settings(bill.month);
  settings.support_phone = "1588-0010";
  for (const std::string name : {"김민준", "남궁민수", "Alexander Maximilian Schwarzenegger", "이준"}) {
    SCOPED_TRACE(name);
    const std::string sms = renderer().render(bill, {name, std::nullopt}, settings).sms_text;
    EXPECT_LE(euc_kr_length(sms), kSmsByteLimit) << sms;
    EXPECT_NE(sms.find("12,345,678원"), std::string::npos) << sms;
    EXPECT_NE(sms.find("2027.01.25"), std::string::npos) << sms;
    EXPECT_NE(sms.find("문의 1588-0010"), std::string::npos) << sms;
  }
}

TEST(InvoiceRenderer, SmsShortensTheMaskedNameOnlyWhenItMustAndThenDropsIt) {
  InvoiceSettings settings = default_invoice_settings({2026, 10});
  // Fits as it is: the full mask is kept.
  EXPECT_EQ(renderer().render(worked_example(), {"Alex Schwarz", std::nullopt}, settings).sms_text.rfind(
                "[TR1L] A**********z님 ", 0),
            0u);
  // Too long with the full mask: first and last character around one star.
  const std::string long_name(60, 'x');
  EXPECT_EQ(renderer().render(worked_example(), {long_name, std::nullopt}, settings).sms_text.rfind("[TR1L] x*x님 ", 0),
            0u);
  // Still too long: no name at all.
  settings.support_phone = std::string(21, '9');
  const std::string sms = renderer().render(worked_example(), {"Alex Schwarz", std::nullopt}, settings).sms_text;
  EXPECT_EQ(sms.rfind("[TR1L] 2026년 10월 청구서\n", 0), 0u) << sms;
  EXPECT_LE(euc_kr_length(sms), kSmsByteLimit);
}

TEST(InvoiceRenderer, SmsThatCannotFitFailsNamingTheUser) {
  InvoiceSettings settings = default_invoice_settings({2026, 10});
  settings.brand = "TR1L 통신 주식회사 고객 여러분의 든든한 동반자";
  try {
    renderer().render(worked_example(), {"김민준", std::nullopt}, settings);
    FAIL() << "expected the SMS to be refused";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("user 12345 for 2026-10"), std::string::npos) << message;
    EXPECT_NE(message.find("90-byte"), std::string::npos) << message;
  }
  settings.brand = "TR1L 😀";
  EXPECT_THROW(renderer().render(worked_example(), {"김민준", std::nullopt}, settings), std::runtime_error);
}

TEST(InvoiceRenderer, SmsStarsCharactersWithoutAnEucKrForm) {
  const RenderedInvoice invoice = render_worked_example({"😀민준", std::nullopt});
  EXPECT_EQ(invoice.sms_text.rfind("[TR1L] **준님 ", 0), 0u) << invoice.sms_text;
  EXPECT_NE(invoice.email_html.find("<b>😀*준</b>"), std::string::npos);  // UTF-8 e-mail can show it
  // A syllable outside EUC-KR proper but in CP949, as handsets send it, stays.
  EXPECT_EQ(render_worked_example({"김똠", std::nullopt}).sms_text.rfind("[TR1L] 김*님 ", 0), 0u);
  EXPECT_EQ(render_worked_example({"똠이", std::nullopt}).sms_text.rfind("[TR1L] 똠*님 ", 0), 0u);
}

// ---------------------------------------------------------------------------------------------
// Bills that must not be printed.

TEST(InvoiceRenderer, RefusesFailedBillsAndBillsThatDoNotAddUp) {
  Bill failed = worked_example();
  failed.status = domain::BillStatus::Failed;
  failed.error_code = "PLAN_UNKNOWN";
  try {
    render(failed, {"김민준", std::nullopt});
    FAIL() << "expected a FAILED bill to be refused";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("user 12345 for 2026-10"), std::string::npos) << error.what();
  }
  Bill wrong_total = worked_example();
  wrong_total.total += Won(1);
  EXPECT_THROW(render(wrong_total, {"김민준", std::nullopt}), std::invalid_argument);
  Bill missing_line = worked_example();
  missing_line.lines.pop_back();
  EXPECT_THROW(render(missing_line, {"김민준", std::nullopt}), std::invalid_argument);
  Bill wrong_vat = worked_example();
  wrong_vat.vat += Won(1);
  EXPECT_THROW(render(wrong_vat, {"김민준", std::nullopt}), std::invalid_argument);
}

TEST(InvoiceRenderer, RefusesADueDateThatIsNotAfterTheBillingMonth) {
  InvoiceSettings settings;  // due date left at its default, 1970-01-01
  EXPECT_THROW(renderer().render(worked_example(), {"김민준", std::nullopt}, settings), std::invalid_argument);
  settings.due_date = {2026, 10, 31};
  EXPECT_THROW(renderer().render(worked_example(), {"김민준", std::nullopt}, settings), std::invalid_argument);
  settings.due_date = {2026, 11, 1};
  EXPECT_NO_THROW(renderer().render(worked_example(), {"김민준", std::nullopt}, settings));
}

TEST(InvoiceRenderer, ZeroTotalPrintsZero) {
  const Bill bill = make_bill({2026, 10}, 7, "LTE 표준",
                              {{LineKind::Plan, "PLN-044", "LTE 표준", Won(11990)},
                               {LineKind::WelfareDiscount, "WLF-99", "전액 지원", Won(11990)}});
  const RenderedInvoice invoice = render(bill, {"김민준", std::nullopt});
  EXPECT_NE(invoice.email_html.find(">₩0<"), std::string::npos);
  EXPECT_NE(invoice.sms_text.find("청구금액 0원"), std::string::npos);
}

// The e-mail invoice is stored gzip-compressed (SPEC §5) and decompressed by the sender that
// puts it on the wire.
TEST(InvoiceRenderer, EmailInvoiceRoundTripsThroughGzipAtLessThanHalfItsSize) {
  const std::string html = render(worked_example(), {"김민준", "010-1234-5678"}).email_html;
  const std::string compressed = common::gzip(html);
  EXPECT_EQ(common::gunzip(compressed), html);
  EXPECT_LT(compressed.size(), html.size() / 2);
}

TEST(InvoiceRenderer, RendersTheSameDocumentsOnManyThreads) {
  const RenderedInvoice expected = render_worked_example();
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (std::size_t index = 0; index < mismatches.size(); ++index) {
    threads.emplace_back([&, index] {
      for (int repeat = 0; repeat < 100; ++repeat) {
        const RenderedInvoice invoice = render_worked_example();
        if (invoice.email_html != expected.email_html || invoice.sms_text != expected.sms_text) ++mismatches[index];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace tr1l::invoicing
