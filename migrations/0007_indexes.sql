CREATE INDEX "mail_receipts_unmarked" ON "mail_receipts" USING btree ("mailbox_id","uid_validity") WHERE "mail_receipts"."marked_at" is null;--> statement-breakpoint
CREATE INDEX "mail_receipts_message_id" ON "mail_receipts" USING btree ("mailbox_id","message_id_header");--> statement-breakpoint
CREATE INDEX "outbox_to_lower_created" ON "outbox" USING btree (lower("to_address"),"created_at");