// bench-stock-index: the stock-Xapian reference index of a corpus
// (bench/stock_reference.h), for bench-query-timing --stock.
//   bench-stock-index CORPUS DIR
#include <iostream>

#include "stock_reference.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bench-stock-index CORPUS DIR\n";
    return 1;
  }
  bench::index_stock(argv[1], argv[2], Xapian::DB_NO_SYNC);
}
