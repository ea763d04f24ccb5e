-- How many campaigns Shopee listed at the shop's last completed sync. Enqueue sends
-- the biggest shops first: a cycle's long jobs then start early and run beside the
-- short ones, instead of starting last and keeping the cycle open on their own.
ALTER TABLE apishopee_shops ADD COLUMN campaign_count integer CHECK (campaign_count >= 0);
