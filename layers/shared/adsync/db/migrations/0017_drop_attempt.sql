-- The job's `attempt` column only echoed SQS's receive count at the last claim and was
-- read by nothing. What counts a job's failures is retry_count (against max_retries);
-- the deliveries of its message are SQS's ApproximateReceiveCount. Not a seed column.
ALTER TABLE apishopee_ads_sync_queue DROP COLUMN IF EXISTS attempt;
