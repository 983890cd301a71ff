CREATE TABLE "large_attachments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" bigint NOT NULL,
	"filename" text NOT NULL,
	"url" text NOT NULL,
	"size_text" text,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "large_attachments" ADD CONSTRAINT "large_attachments_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "large_attachments_expiry" ON "large_attachments" USING btree ("expires_at");