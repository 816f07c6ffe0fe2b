package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// benchOptions is a link token's stored options as the bench's typical request produces
// them (transferOptions with two destinations).
const benchOptions = `{"userId":"bench-user-7","restrictMultipleAccounts":true,"disableApiKeyGeneration":false,"transferOptions":{"toAddresses":[{"networkId":"e3c7fdd8-b1fc-4e51-85ae-bb276e075611","networkName":"Ethereum","networkType":"evm","symbol":"USDC","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","amount":25},{"networkId":"0291810a-5947-424d-9a59-e88bb33e999d","networkName":"Solana","networkType":"solana","symbol":"USDC","address":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"}],"amountInFiat":25,"transactionId":"tx-7","clientFee":0.01,"transferType":"payment","fundingEnabled":false,"isInclusiveFeeEnabled":false,"generatePayLink":false}}`

var benchLen = len(benchOptions)

// BenchmarkCreateCodes measures the durable write of one link code under 32 concurrent
// writers (the load benchmark's concurrency), group-committed. It reports the process's
// CPU time per write, which is what the load benchmark's throughput depends on.
func BenchmarkCreateCodes(b *testing.B) {
	s, err := Open(context.Background(), b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var seq atomic.Uint64
	now := time.Now()
	var r0, r1 syscall.Rusage
	b.SetParallelism(16)
	b.ResetTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := make([]byte, 16)
			binary.BigEndian.PutUint64(id, uint64(now.UnixNano())+seq.Add(1))
			rand.Read(id[8:])
			var secret [32]byte
			rand.Read(secret[:])
			h := sha256.Sum256(secret[:])
			err := s.CreateCodes(context.Background(), store.LinkCode{ID: id, Hash: h[:], Kind: store.KindLink,
				ClientID: "6f1c1b7e-8a53-4f43-9d6e-0d3b7f7f3a10", UserID: "bench-user-7", Options: []byte(benchOptions[:benchLen]),
				CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	b.StopTimer()
	cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
	batches, ops := s.BatchStats()
	if batches > 0 {
		b.ReportMetric(float64(ops)/float64(batches), "ops/commit")
	}
}

// BenchmarkTransfersMillion measures pages of GET /api/v1/transfers/managed/mesh against
// one client holding a million transfers (go test ./internal/store/sqlite -run NONE -bench
// TransfersMillion; building the table takes a minute or two, so it runs with -bench
// only; bench/README.md has the figures). TestTransferQueriesUseIndexes checks the plans
// that make these fast on every run.
func BenchmarkTransfersMillion(b *testing.B) {
	s, err := Open(context.Background(), b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const client = "6f1c1b7e-8a53-4f43-9d6e-0d3b7f7f3a10"
	start := time.Now()
	if err := fillTransfers(s, client, 1_000_000); err != nil {
		b.Fatal(err)
	}
	b.Logf("1,000,000 transfers stored and indexed in %v", time.Since(start).Round(time.Millisecond))
	fiat := 400.0
	for _, c := range []struct {
		name string
		q    store.TransferQuery
	}{
		{"newest page", store.TransferQuery{Count: 10, Descending: true}},
		{"page 5000", store.TransferQuery{Count: 100, Offset: 500_000, Descending: true}},
		{"by client transaction id", store.TransferQuery{Count: 10, ClientTransactionID: "order-777777"}},
		{"by hash", store.TransferQuery{Count: 10, Hash: "0x4242"}},
		{"by user", store.TransferQuery{Count: 10, UserID: "user-7", Descending: true}},
		{"pending", store.TransferQuery{Count: 10, Statuses: []string{store.TransferPending}, Descending: true}},
		{"by amount over 400", store.TransferQuery{Count: 10, MinAmountInFiat: &fiat, OrderBy: store.TransferOrderAmountInFiat, Descending: true}},
		{"by symbol", store.TransferQuery{Count: 10, OrderBy: store.TransferOrderSymbol}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.Transfers(context.Background(), client, c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fillTransfers stores n transfers of client, one second apart, inside SQLite (a recursive
// query, not n round trips), with the table's indexes built after the rows, as a bulk load
// would.
func fillTransfers(s *Store, client string, n int) error {
	rows, err := s.ckpt.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transfers' AND sql IS NOT NULL`)
	if err != nil {
		return err
	}
	indexes := map[string]string{}
	for rows.Next() {
		var name, sql string
		if err := rows.Scan(&name, &sql); err != nil {
			rows.Close()
			return err
		}
		indexes[name] = sql
	}
	rows.Close()
	for name := range indexes {
		if _, err := s.ckpt.Exec(`DROP INDEX ` + name); err != nil {
			return err
		}
	}
	_, err = s.ckpt.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
		INSERT INTO transfers (id, client_id, user_id, client_transaction_id, status, amount, amount_to_receive, source_amount,
			amount_in_fiat, amount_to_receive_in_fiat, total_amount_in_fiat, fiat_currency, symbol, network_id, network_name, hash,
			destination_address, integration_id, integration_type, integration_name, fees, created_at, updated_at)
		SELECT printf('%08x-0000-4000-8000-000000000000', i), ?, 'user-' || (i % 1000), 'order-' || i,
			CASE i % 3 WHEN 0 THEN 'pending' WHEN 1 THEN 'succeeded' ELSE 'failed' END, 25, 25, 25.3, i % 500, 25, 25.3, 'USD',
			CASE i % 2 WHEN 0 THEN 'USDC' ELSE 'ETH' END, 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611', 'Ethereum', '0x' || i,
			'0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'b9cc860a-935d-5982-8562-c164e2e7a703', 'sandbox', 'Sandbox', '{}',
			1700000000000 + i * 1000, 1700000000000 + i * 1000 FROM n`, n, client)
	if err != nil {
		return err
	}
	for _, sql := range indexes {
		if _, err := s.ckpt.Exec(sql); err != nil {
			return err
		}
	}
	return nil
}
