CREATE TABLE "scheduler_runs" (
	"campaign_id" integer PRIMARY KEY NOT NULL,
	"last_run" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scheduler_runs" ADD CONSTRAINT "scheduler_runs_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;