package storetest

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

// benchOptions is a link token's stored options as the load benchmark's typical request
// produces them (transferOptions with two destinations).
const benchOptions = `{"userId":"bench-user-7","restrictMultipleAccounts":true,"disableApiKeyGeneration":false,"transferOptions":{"toAddresses":[{"networkId":"e3c7fdd8-b1fc-4e51-85ae-bb276e075611","networkName":"Ethereum","networkType":"evm","symbol":"USDC","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","amount":25},{"networkId":"0291810a-5947-424d-9a59-e88bb33e999d","networkName":"Solana","networkType":"solana","symbol":"USDC","address":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"}],"amountInFiat":25,"transactionId":"tx-7","clientFee":0.01,"transferType":"payment","fundingEnabled":false,"isInclusiveFeeEnabled":false,"generatePayLink":false}}`

// BenchCreateCodes measures the durable write of one link code under 32 concurrent
// writers (the load benchmark's concurrency) on s. It reports this process's CPU time per
// write (cpu-µs/op: what the load benchmark's throughput depends on; a database server's
// own is not counted) and, if s groups writes (store.CommitStats), the writes per commit.
// With max > 0 the codes go through CreateCodesCapped under that bound (set high enough
// never to refuse), all of one client: --max-active-tokens' worst case, every issuance
// taking its turn on the same client.
func BenchCreateCodes(b *testing.B, s store.Store, max int) {
	const client = "6f1c1b7e-8a53-4f43-9d6e-0d3b7f7f3a10"
	create := s.CreateCodes
	if max > 0 {
		if err := s.CreateClient(context.Background(), store.Client{ID: client, Name: "bench", Enabled: true, CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
		create = func(ctx context.Context, codes ...store.LinkCode) error {
			_, err := s.CreateCodesCapped(ctx, max, codes...)
			return err
		}
	}
	var seq atomic.Uint64
	now := time.Now()
	var r0, r1 syscall.Rusage
	var b0, o0 int64
	cs, grouped := s.(store.CommitStats)
	if grouped {
		b0, o0 = cs.BatchStats()
	}
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
			err := create(context.Background(), store.LinkCode{ID: id, Hash: h[:], Kind: store.KindLink,
				ClientID: client, UserID: "bench-user-7", Options: []byte(benchOptions),
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
	if grouped {
		if b1, o1 := cs.BatchStats(); b1 > b0 {
			b.ReportMetric(float64(o1-o0)/float64(b1-b0), "ops/commit")
		}
	}
}
