#include "settlement/bill_export.h"

#include <string>

#include "common/csv.h"

namespace tr1l::settlement {

std::int64_t export_bills_csv(ports::BillStore& bills, const domain::YearMonth& month, std::ostream& output) {
  output << "user_id,status,plan_charge,excess_data,addons,subtotal,contract_discount,military_discount,"
            "welfare_discount,total,supply_value,vat,error_code\n";
  std::int64_t rows = 0;
  bills.for_each_bill(month, [&](const domain::Bill& bill) {
    output << bill.user_id << ',' << domain::to_string(bill.status);
    if (bill.status == domain::BillStatus::Issued) {
      for (domain::Won amount : {bill.plan_charge, bill.excess_data, bill.add_ons, bill.subtotal, bill.contract_discount,
                                 bill.military_discount, bill.welfare_discount, bill.total, bill.supply_value, bill.vat}) {
        output << ',' << amount.amount();
      }
      output << ",\n";
    } else {
      output << ",,,,,,,,,,," << csv::escape_field(bill.error_code) << '\n';
    }
    ++rows;
  });
  return rows;
}

}  // namespace tr1l::settlement
