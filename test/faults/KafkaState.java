import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * A failed fault case's evidence (test/faults/private-services.ts runs it with the cached Kafka jars):
 * the broker's transactions that are not complete, and per partition of the named topics the end offset,
 * the last stable offset (what read_committed readers get up to) and the producers with an open transaction.
 *
 *   java -cp 'libs/*' KafkaState.java BOOTSTRAP TOPIC[,TOPIC...] PARTITIONS
 */
public class KafkaState {
  public static void main(String[] args) throws Exception {
    Map<String, Object> config = Map.of("bootstrap.servers", args[0], "request.timeout.ms", 15000);
    try (Admin admin = Admin.create(config)) {
      List<String> open = new ArrayList<>();
      for (TransactionListing listing : admin.listTransactions().all().get(30, TimeUnit.SECONDS)) {
        TransactionState state = listing.state();
        if (state == TransactionState.EMPTY || state == TransactionState.COMPLETE_COMMIT
            || state == TransactionState.COMPLETE_ABORT) continue;
        open.add(listing.transactionalId());
      }
      System.out.println("transactions not complete: " + open.size());
      if (!open.isEmpty()) {
        admin.describeTransactions(open).all().get(30, TimeUnit.SECONDS).forEach((id, described) ->
            System.out.println("  " + id + " " + described.state() + " producer " + described.producerId()
                + " epoch " + described.producerEpoch() + " timeout " + described.transactionTimeoutMs()
                + " ms, started " + described.transactionStartTimeMs().orElse(-1L)
                + " (" + (System.currentTimeMillis() - described.transactionStartTimeMs().orElse(0L))
                + " ms ago), partitions " + described.topicPartitions()));
      }
      int partitions = Integer.parseInt(args[2]);
      List<TopicPartition> tps = new ArrayList<>();
      for (String topic : args[1].split(",")) {
        for (int partition = 0; partition < partitions; partition++) tps.add(new TopicPartition(topic, partition));
      }
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (TopicPartition tp : tps) latest.put(tp, OffsetSpec.latest());
      var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
      var stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
          .all().get(30, TimeUnit.SECONDS);
      var producers = admin.describeProducers(tps).all().get(30, TimeUnit.SECONDS);
      for (TopicPartition tp : tps) {
        StringBuilder line = new StringBuilder(tp + ": end " + ends.get(tp).offset() + ", last stable "
            + stable.get(tp).offset());
        producers.get(tp).activeProducers().forEach(producer -> {
          if (producer.currentTransactionStartOffset().isPresent()) {
            line.append(", open transaction of producer ").append(producer.producerId()).append(" epoch ")
                .append(producer.producerEpoch()).append(" from offset ")
                .append(producer.currentTransactionStartOffset().getAsLong());
          }
        });
        System.out.println(line);
      }
    }
  }
}
